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

const projectRoot = path.resolve(__dirname, '..', '..', '..');

/**
 * The environment for every child process the harness starts (npm, node, n8n, bash).
 *
 * Built on purpose from `process.env`: under `npm run`, npm exports each of its settings to
 * its children as `npm_config_*` (the project's `.npmrc` `ignore-scripts=true` becomes
 * `npm_config_ignore_scripts=true`, the machine's `nodedir=/usr` becomes
 * `npm_config_nodedir=/usr`), plus `npm_package_*`, `npm_lifecycle_*`, `npm_execpath`,
 * `INIT_CWD` and `NODE`. A child `npm` would take all of that as its own configuration (a
 * `npm rebuild sqlite3` then compiles nothing and still reports success), so every `npm_*`
 * variable (any case: npm also reads `NPM_CONFIG_*`) is dropped. Settings for a child npm
 * belong in `~/.npmrc`, which it still reads. Then:
 *
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
	for (const [key, value] of Object.entries(inherited)) {
		if (value === undefined) continue;
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
	env.npm_config_audit = 'false';
	env.npm_config_fund = 'false';
	env.npm_config_update_notifier = 'false';
	return { ...env, ...(opts.set ?? {}) };
}

/** Bin folder of a Node >= 24 (the project's own bootstrap script installs one if needed). */
export function ensureNode24(): string {
	const script = path.join(projectRoot, 'scripts', 'ensure-node24.sh');
	const out = execFileSync('bash', [script], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		env: process.env,
	});
	const bin = out.trim().split('\n').pop()!.trim();
	if (!fs.existsSync(path.join(bin, 'node'))) {
		throw new Error(`ensure-node24.sh printed "${bin}", which has no node binary`);
	}
	return bin;
}

function installation(nodeBin: string): N8nInstallation {
	const n8nRoot = path.join(installDir(), 'node_modules', 'n8n');
	return { nodeBin, n8nRoot, n8nBin: path.join(n8nRoot, 'bin', 'n8n') };
}

function markerOk(): boolean {
	try {
		const marker = JSON.parse(fs.readFileSync(path.join(installDir(), MARKER_NAME), 'utf8'));
		const inst = installation('');
		return marker.version === N8N_VERSION && fs.existsSync(inst.n8nBin);
	} catch {
		return false;
	}
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
 * missing. Safe to call concurrently from several processes.
 */
export async function ensureN8nInstalled(opts: { log?: Log } = {}): Promise<N8nInstallation> {
	const log = opts.log ?? defaultLog;
	const nodeBin = ensureNode24();
	if (markerOk()) return installation(nodeBin);

	fs.mkdirSync(cacheRoot(), { recursive: true });
	const lockPath = path.join(cacheRoot(), `n8n-${N8N_VERSION}.lock`);
	return withLock(lockPath, log, async () => {
		if (markerOk()) {
			log('n8n install: another process finished the install');
			return installation(nodeBin);
		}
		const dir = installDir();
		const started = Date.now();
		const secs = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
		const resuming = fs.existsSync(path.join(dir, 'node_modules'));
		log(`n8n install: ${resuming ? 'finishing an incomplete' : 'cold'} install of n8n@${N8N_VERSION} into ${dir}`);
		fs.mkdirSync(dir, { recursive: true });
		fs.rmSync(path.join(dir, MARKER_NAME), { force: true });
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify(
				{
					name: 'n8n-e2e-host',
					private: true,
					description: 'Holds a real n8n for the end-to-end tests of n8n-nodes-roboflow-video',
					dependencies: { n8n: N8N_VERSION },
					overrides: { linkedom: LINKEDOM_OVERRIDE },
				},
				null,
				2,
			) + '\n',
		);
		const env = harnessEnv({ nodeBin });
		const npmArgs = ['--no-audit', '--no-fund', '--loglevel=error'];
		log('n8n install: npm install --ignore-scripts (about 2.7 GB) ...');
		await runLogged('npm', ['install', '--ignore-scripts', ...npmArgs], { cwd: dir, env, log, prefix: '  npm: ' });
		log(`n8n install: packages in place after ${secs()}; npm rebuild sqlite3 (compiles) ...`);
		// --ignore-scripts=false: the rebuild IS the install script; never let a setting from
		// anywhere turn it into a silent no-op.
		await runLogged('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', ...npmArgs], {
			cwd: dir,
			env,
			log,
			prefix: '  npm: ',
		});

		const inst = installation(nodeBin);
		// Check that the native binding loads under Node 24 and the CLI answers.
		execFileSync(path.join(nodeBin, 'node'), ['-e', "require('sqlite3')"], { cwd: inst.n8nRoot, env, stdio: 'pipe' });
		const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-version-'));
		let version: string;
		try {
			version = execFileSync(path.join(nodeBin, 'node'), [inst.n8nBin, '--version'], {
				cwd: dir,
				env: harnessEnv({ nodeBin, drop: /^(N8N_|DB_)/, set: { N8N_USER_FOLDER: scratch } }),
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
			}).trim();
		} finally {
			fs.rmSync(scratch, { recursive: true, force: true });
		}
		if (!version.includes(N8N_VERSION)) throw new Error(`installed n8n reports version "${version}"`);

		fs.writeFileSync(
			path.join(dir, MARKER_NAME),
			JSON.stringify({ version: N8N_VERSION, installedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 }) +
				'\n',
		);
		log(`n8n install: done in ${secs()}`);
		return inst;
	});
}
