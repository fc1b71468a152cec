/**
 * The checks that an install works, run after installing and (the SQLite one) on every later
 * use: n8n's SQLite driver loads under Node 24 and opens a database, the compilers it needs
 * are there, and n8n starts and is the version we asked for. Each failure is a sentence that
 * names the cause and the fix.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { installDir, N8N_VERSION, type N8nInstallation } from './cache';
import { harnessEnv } from './harness-env';
import { childOutput, errorLine, firstLine, HarnessSetupError } from './setup-error';

/** Where n8n's sqlite3 is and where its native binding should be, or null if sqlite3 is not installed. */
function sqlitePaths(inst: N8nInstallation): { packageDir: string; binding: string } | null {
	try {
		const packageDir = path.dirname(require.resolve('sqlite3/package.json', { paths: [inst.n8nRoot] }));
		return { packageDir, binding: path.join(packageDir, 'build', 'Release', 'node_sqlite3.node') };
	} catch {
		return null;
	}
}

// Loads sqlite3 the way n8n does (resolved from n8n's package folder) and opens an in-memory database.
const SQLITE_PROBE = `
const sqlite3 = require(require.resolve('sqlite3', { paths: [process.cwd()] }));
const db = new sqlite3.Database(':memory:', (err) => {
  if (err) { console.error('Error: opening an in-memory database failed: ' + err.message); process.exit(3); }
  db.get('select sqlite_version() as v', (err2, row) => {
    if (err2) { console.error('Error: a query failed: ' + err2.message); process.exit(3); }
    process.stdout.write(row.v);
    db.close();
  });
});`;

/**
 * Loads n8n's SQLite driver under Node 24 and opens a database: `{ version }` (SQLite's) when it
 * works, else `{ problem }`, a sentence naming the cause and the fix. One short node process.
 */
export function probeSqlite(inst: N8nInstallation): { version: string; problem?: undefined } | { problem: string } {
	const dir = installDir();
	const fix = `Fix: delete ${dir} and run again; building needs python3, make and g++.`;
	const where = sqlitePaths(inst);
	if (!where) {
		return { problem: `n8n's SQLite driver (sqlite3) is not installed under ${dir}. Cause: the npm install of n8n did not finish. ${fix}` };
	}
	if (!fs.existsSync(where.binding)) {
		return {
			problem:
				`n8n's SQLite driver (sqlite3) did not build: its native binding is missing at ${where.binding}. ` +
			'Cause: `npm rebuild sqlite3` compiled nothing (its install script did not run, e.g. because ' +
			'`ignore-scripts` reached npm through an inherited npm_config_* variable) or the compile failed. ' +
				fix,
		};
	}
	try {
		const version = execFileSync(path.join(inst.nodeBin, 'node'), ['-e', SQLITE_PROBE], {
			cwd: inst.n8nRoot,
			env: harnessEnv({ nodeBin: inst.nodeBin }),
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 30_000,
		});
		return { version: version.trim() };
	} catch (e) {
		return {
			problem:
				`n8n's SQLite driver (sqlite3) does not load under Node 24: ${errorLine(childOutput(e))}. ` +
				`Cause: its native binding ${where.binding} is damaged or was built for another Node. ${fix}`,
		};
	}
}

/** Build tools node-gyp needs to compile sqlite3 that are not on PATH. */
export function missingBuildTools(env: NodeJS.ProcessEnv): string[] {
	const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
	const onPath = (cmd: string) =>
		dirs.some((d) => {
			try {
				fs.accessSync(path.join(d, cmd), fs.constants.X_OK);
				return true;
			} catch {
				return false;
			}
		});
	const missing: string[] = [];
	if (!onPath('python3')) missing.push('python3');
	if (!onPath('make')) missing.push('make');
	if (!onPath('g++') && !onPath('c++')) missing.push('g++');
	return missing;
}

/** Runs `n8n --version` in a scratch user folder; throws a HarnessSetupError unless it prints N8N_VERSION. */
export function checkN8nVersion(inst: N8nInstallation): string {
	const dir = installDir();
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-version-'));
	let version: string;
	try {
		version = execFileSync(path.join(inst.nodeBin, 'node'), [inst.n8nBin, '--version'], {
			cwd: dir,
			env: harnessEnv({ nodeBin: inst.nodeBin, drop: /^(N8N_|DB_)/, set: { N8N_USER_FOLDER: scratch } }),
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 120_000,
		}).trim();
	} catch (e) {
		throw new HarnessSetupError(
			`n8n ${N8N_VERSION} does not start: \`n8n --version\` failed (${errorLine(childOutput(e))}). ` +
				`Cause: its installation in ${dir} is incomplete or damaged. Fix: delete ${dir} and run again.`,
		);
	} finally {
		fs.rmSync(scratch, { recursive: true, force: true });
	}
	if (!version.includes(N8N_VERSION)) {
		throw new HarnessSetupError(
			`\`n8n --version\` printed "${firstLine(version)}", not ${N8N_VERSION}. Cause: ${dir} holds another n8n. Fix: delete ${dir} and run again.`,
		);
	}
	return version;
}
