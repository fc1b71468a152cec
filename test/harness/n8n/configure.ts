/**
 * Configuring an n8n before it starts: its user folder, two free ports (n8n and its task
 * runner broker), and the environment that keeps it on 127.0.0.1 and SQLite, stops it calling
 * out to n8n's servers, and creates the owner from env.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { harnessEnv, type N8nInstallation } from '../install';
import type { Owner } from './owner';

export const HOST = '127.0.0.1';

/** Modules that call out to n8n's servers at start (see shared n8n notes). */
export const DISABLED_MODULES = 'mcp-registry,instance-ai,agents,workflow-builder,chat-hub';

export async function freePort(exclude: number[] = []): Promise<number> {
	for (let i = 0; i < 20; i++) {
		const port = await new Promise<number>((resolve, reject) => {
			const srv = net.createServer();
			srv.unref();
			srv.on('error', reject);
			srv.listen(0, HOST, () => {
				const p = (srv.address() as net.AddressInfo).port;
				srv.close(() => resolve(p));
			});
		});
		if (!exclude.includes(port)) return port;
	}
	throw new Error('could not find a free port');
}

/** The folder for n8n's data: the one given, or a new temp folder (`created`). */
export function prepareUserFolder(given: string | undefined): { userFolder: string; created: boolean } {
	const created = !given;
	const userFolder = given ? path.resolve(given) : fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
	fs.mkdirSync(userFolder, { recursive: true });
	return { userFolder, created };
}

/** n8n's own settings for one instance; `extra` (the caller's) overrides them. */
export function n8nEnvironment(o: {
	userFolder: string;
	port: number;
	brokerPort: number;
	baseUrl: string;
	owner: Owner;
	extra?: Record<string, string>;
}): Record<string, string> {
	const { userFolder, port, brokerPort, baseUrl, owner } = o;
	return {
		// A caller under jest has NODE_ENV=test, with which n8n does not start as a server.
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: HOST,
		N8N_HOST: HOST,
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		N8N_WEBHOOK_URL: `${baseUrl}/`,
		N8N_SECURE_COOKIE: 'false',
		DB_TYPE: 'sqlite',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: HOST,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DISABLED_MODULES: DISABLED_MODULES,
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: owner.passwordHash,
		N8N_INSTANCE_OWNER_FIRST_NAME: 'E2E',
		N8N_INSTANCE_OWNER_LAST_NAME: 'Owner',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LOG_OUTPUT: 'console',
		N8N_LOG_LEVEL: 'info',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		...(o.extra ?? {}),
	};
}

/**
 * The environment n8n and its CLI run with: the caller's environment without npm's
 * npm_config_*, npm_package_* and npm_lifecycle_* (see harnessEnv) and without its N8N_* / DB_* /
 * EXECUTIONS_* / QUEUE_* settings; Node 24 first on PATH; then `env` (n8nEnvironment).
 */
export function n8nChildEnv(install: N8nInstallation, env: Record<string, string>): NodeJS.ProcessEnv {
	return harnessEnv({ nodeBin: install.nodeBin, drop: /^(N8N_|DB_|WEBHOOK_URL$|EXECUTIONS_|QUEUE_)/, set: env });
}
