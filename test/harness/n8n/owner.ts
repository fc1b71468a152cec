/**
 * The instance owner. n8n creates it from env at every start (N8N_INSTANCE_OWNER_MANAGED_BY_ENV
 * with a bcrypt hash, see configure.ts); the harness then signs it in over REST and makes sure
 * it has a public API key. Email, password and API key are kept in
 * `<userFolder>/e2e-owner.json`, so a restart, or a later startN8n on the same folder, reuses
 * them (the env-managed owner is overwritten at every start).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { RestSession } from './rest-client';

export interface Owner {
	email: string;
	password: string;
	passwordHash: string;
	apiKey?: string;
}

/** The owner saved in the folder, or a new one (saved at once); `save()` writes changes back. */
export function loadOwner(userFolder: string, n8nRoot: string): { owner: Owner; save: () => void } {
	const ownerFile = path.join(userFolder, 'e2e-owner.json');
	const save = () => fs.writeFileSync(ownerFile, JSON.stringify(owner, null, 2), { mode: 0o600 });
	let owner: Owner;
	if (fs.existsSync(ownerFile)) {
		owner = JSON.parse(fs.readFileSync(ownerFile, 'utf8'));
	} else {
		const password = `E2e-${randomBytes(9).toString('base64url')}1a`;
		owner = { email: 'owner@e2e.test', password, passwordHash: bcryptHash(n8nRoot, password) };
		save();
	}
	return { owner, save };
}

function bcryptHash(n8nRoot: string, password: string): string {
	// n8n itself hashes with bcryptjs (services/password.utility.js); use n8n's own copy.
	const bcryptPath = require.resolve('bcryptjs', { paths: [n8nRoot] });
	const bcrypt = require(bcryptPath) as { hashSync(s: string, rounds: number): string };
	return bcrypt.hashSync(password, 10);
}

/** After every start: sign in (`POST /rest/login`), then check or create the public API key. */
export async function signInOwner(baseUrl: string, session: RestSession, owner: Owner, save: () => void): Promise<void> {
	session.clearCookie();
	await session.call('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
	if (!session.hasCookie) throw new Error('POST /rest/login set no n8n-auth cookie');

	if (owner.apiKey) {
		// Still valid? (Same database, so it should be.)
		const res = await fetch(`${baseUrl}/api/v1/workflows?limit=1`, { headers: { 'X-N8N-API-KEY': owner.apiKey } });
		if (res.status === 200) return;
	}
	// The owner may have every scope its role allows (GET /rest/api-keys/scopes).
	const scopes = await session.call<string[]>('GET', '/api-keys/scopes');
	const created = await session.call<{ rawApiKey: string }>('POST', '/api-keys', {
		label: `e2e-${Date.now()}`,
		scopes,
		expiresAt: null,
	});
	owner.apiKey = created.rawApiKey;
	save();
}
