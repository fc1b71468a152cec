/**
 * Installs a real n8n (N8N_VERSION) once into a cache folder outside the project, with Node 24.
 *
 * Recipe (see shared n8n notes): a host package.json that depends on n8n and overrides
 * linkedom, `npm install --ignore-scripts` (one dependency's install script downloads from
 * outside), then `npm rebuild sqlite3` (compiles the native SQLite binding).
 *
 * A marker file is written only after every step succeeded, so a half-finished install is
 * redone on the next call. A lock file keeps concurrent callers (parallel jest workers, a demo
 * next to a test run) from installing into the same folder at the same time.
 *
 * Here are the install steps; each job they use has its own file: cache.ts (which n8n,
 * where), node24.ts, harness-env.ts (the environment of every child process), lock.ts,
 * host-package.ts, run-logged.ts, checks.ts (does the install work), marker.ts. `npx tsx
 * test/harness/install/cli.ts` runs just this step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cacheRoot, installation, installDir, N8N_VERSION, type Log, type N8nInstallation } from './cache';
import { checkN8nVersion, missingBuildTools, probeSqlite } from './checks';
import { harnessEnv } from './harness-env';
import { writeHostPackageJson } from './host-package';
import { withLock } from './lock';
import { cachedInstallProblem, removeMarker, writeMarker, type Marker } from './marker';
import { checkNode24, ensureNode24 } from './node24';
import { runLogged } from './run-logged';
import { HarnessSetupError } from './setup-error';

export { cacheRoot, installDir, N8N_VERSION, type Log, type N8nInstallation } from './cache';
export { harnessEnv } from './harness-env';
export { checkNode24, ensureNode24 } from './node24';
export { runLogged } from './run-logged';
export { HarnessSetupError } from './setup-error';

const defaultLog: Log = (line) => process.stderr.write(`${line}\n`);

/**
 * Returns the cached n8n installation, installing it first if the completion marker is
 * missing, and rebuilding its SQLite driver if that does not load. Safe to call concurrently
 * from several processes. Throws a HarnessSetupError (message: what, cause, fix) when a step
 * or a check fails.
 */
export async function ensureN8nInstalled(opts: { log?: Log } = {}): Promise<N8nInstallation> {
	const log = opts.log ?? defaultLog;
	const nodeBin = ensureNode24();
	if (!cachedInstallProblem(nodeBin)) return installation(nodeBin);

	fs.mkdirSync(cacheRoot(), { recursive: true });
	const lockPath = path.join(cacheRoot(), `n8n-${N8N_VERSION}.lock`);
	return withLock(lockPath, log, async () => {
		const problem = cachedInstallProblem(nodeBin);
		if (!problem) {
			log('n8n install: another process finished the install');
			return installation(nodeBin);
		}
		const dir = installDir();
		const started = Date.now();
		const secs = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
		const env = harnessEnv({ nodeBin });
		const nodeVersion = checkNode24(nodeBin);

		const missing = missingBuildTools(env);
		if (missing.length) {
			throw new HarnessSetupError(
				`Building n8n's SQLite driver (sqlite3) needs python3, make and g++; not found on PATH: ${missing.join(', ')}. ` +
					`Fix: install them (Debian/Ubuntu: apt-get install python3 make g++) and run again.`,
			);
		}

		fs.mkdirSync(dir, { recursive: true });
		removeMarker(dir);
		writeHostPackageJson(dir);
		if (problem.kind === 'sqlite') {
			log(`n8n install: the cached n8n in ${dir} cannot be used: ${problem.detail}`);
			log('n8n install: rebuilding sqlite3 ...');
		} else {
			const resuming = fs.existsSync(path.join(dir, 'node_modules'));
			log(`n8n install: ${resuming ? 'finishing an incomplete' : 'cold'} install of n8n@${N8N_VERSION} into ${dir} (node ${nodeVersion})`);
			log('n8n install: npm install --ignore-scripts (about 2.7 GB) ...');
			try {
				await runLogged('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
					cwd: dir,
					env,
					log,
					prefix: '  npm: ',
				});
			} catch (e) {
				throw new HarnessSetupError(
					`npm install of n8n@${N8N_VERSION} into ${dir} failed: ${(e as Error).message.split('\n').slice(-6).join(' | ')}. ` +
						'Fix: check that npm reaches the registry (~/.npmrc), then run again; the install picks up where it stopped.',
				);
			}
			log(`n8n install: packages in place after ${secs()}; npm rebuild sqlite3 (compiles, 1-2 min) ...`);
		}
		// --ignore-scripts=false: the rebuild IS the install script; never let a setting from
		// anywhere turn it into a silent no-op. allowScripts in the host package.json allows it.
		const rebuildStarted = Date.now();
		try {
			await runLogged('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', '--no-audit', '--no-fund', '--loglevel=warn'], {
				cwd: dir,
				env,
				log,
				prefix: '  npm: ',
			});
		} catch (e) {
			throw new HarnessSetupError(
				`n8n's SQLite driver (sqlite3) did not compile: ${(e as Error).message.split('\n').slice(-6).join(' | ')}. ` +
					'Fix: building needs python3, make and g++ (Debian/Ubuntu: apt-get install python3 make g++); ' +
					`install what the compiler output above says is missing, then run again (or delete ${dir} first).`,
			);
		}
		log(`n8n install: sqlite3 built in ${((Date.now() - rebuildStarted) / 1000).toFixed(0)}s; checking the install ...`);

		const inst = installation(nodeBin);
		const sqlite = probeSqlite(inst);
		if (sqlite.problem !== undefined) throw new HarnessSetupError(sqlite.problem);
		const sqliteVersion = sqlite.version;
		const n8nVersion = checkN8nVersion(inst);
		log(`n8n install: checked: node ${nodeVersion}, SQLite ${sqliteVersion} opens a database, n8n --version ${n8nVersion}`);

		const marker: Marker = {
			version: N8N_VERSION,
			installedAt: new Date().toISOString(),
			seconds: (Date.now() - started) / 1000,
			node: nodeVersion,
			sqlite: sqliteVersion,
		};
		writeMarker(dir, marker);
		log(`n8n install: done in ${secs()}`);
		return inst;
	});
}
