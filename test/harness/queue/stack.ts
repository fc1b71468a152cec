/**
 * n8n's queue mode on one machine, for this package: Redis and PostgreSQL 17 as the harness's
 * own processes, an n8n main and workers (each its own user folder with this package installed
 * from its packed tarball, its own task-runner broker port, workers their own health port),
 * the emulator, and a Roboflow credential pointing at it. The settings are the ones README
 * "Scaling" gives users.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { startEmulator, type EmulatorOptions, type RoboflowEmulator } from '../../emulator/server';
import { installCommunityPackage } from '../community-package';
import { ensureN8nInstalled, type Log } from '../install';
import { DISABLED_MODULES, startN8n, type N8nInstance } from '../n8n';
import { packThisPackage } from '../stack';
import { startPostgres, type PostgresServer } from './postgres';
import { startRedis, type RedisServer } from './redis';
import { heapAfterGc, inspectPortOption, type HeapAfterGc } from './heap';
import { startN8nWorker, type N8nWorker } from './worker';
import { freePort } from '../n8n/configure';

/** `database` is what n8n uses in queue mode when N8N_DEFAULT_BINARY_DATA_MODE is not set. */
export type BinaryDataMode = 'database' | 'filesystem';

export interface QueueStackOptions {
	log?: Log;
	apiKey?: string;
	emulator?: EmulatorOptions;
	/** Worker processes (default 2) and the executions each runs at once (default 10). */
	workers?: number;
	concurrency?: number;
	/** Unset: n8n's queue-mode default (database). */
	binaryDataMode?: BinaryDataMode;
	env?: Record<string, string>;
	/** Give every n8n process an inspector port (opened on demand) so that heapAfterGc() can measure it. */
	inspectable?: boolean;
}

export interface QueueStack {
	/** The main process (a new instance after restartN8n). */
	readonly n8n: N8nInstance;
	readonly workers: N8nWorker[];
	readonly emulator: RoboflowEmulator;
	readonly postgres: PostgresServer;
	readonly redis: RedisServer;
	readonly apiKey: string;
	readonly credential: { id: string; name: string };
	/** A folder every n8n process may read files from (N8N_RESTRICT_FILE_ACCESS_TO). */
	readonly filesDir: string;
	/** Where the logs of every process stay after stop(). */
	readonly logDir: string;
	/** Stops the main and the workers and starts them again with other settings (same database, Redis, folders). */
	restartN8n(o: { binaryDataMode?: BinaryDataMode; env?: Record<string, string> }): Promise<void>;
	/** The worker whose log says it started this execution. */
	workerOf(executionId: string): N8nWorker | undefined;
	/** The JS heap of the main or a worker (by name) after a full garbage collection; needs `inspectable`. */
	heapAfterGc(processName: 'main' | string): Promise<HeapAfterGc>;
	stop(): Promise<void>;
}

export function queueEnvironment(o: {
	postgres: PostgresServer;
	redis: RedisServer;
	encryptionKey: string;
	binaryDataDir: string;
	filesDir: string;
	binaryDataMode?: BinaryDataMode;
}): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: o.postgres.host,
		DB_POSTGRESDB_PORT: String(o.postgres.port),
		DB_POSTGRESDB_DATABASE: o.postgres.database,
		DB_POSTGRESDB_USER: o.postgres.user,
		DB_POSTGRESDB_PASSWORD: o.postgres.password,
		QUEUE_BULL_REDIS_HOST: o.redis.host,
		QUEUE_BULL_REDIS_PORT: String(o.redis.port),
		// Every process must decrypt the credentials the main stored.
		N8N_ENCRYPTION_KEY: o.encryptionKey,
		// filesystem mode: one folder all processes share (on several hosts: a shared disk).
		N8N_BINARY_DATA_STORAGE_PATH: o.binaryDataDir,
		N8N_RESTRICT_FILE_ACCESS_TO: o.filesDir,
		// n8n 2.41.1 race, seen in this suite: a main that starts with overdue waits resumes them
		// before its OpenTelemetry module has loaded its settings, and the hook that module adds
		// to every execution start throws "OTel settings not yet initialized": the resumed run
		// fails ("Failed to start waiting execution"; 1 of 10 parked runs after a main restart).
		// Without the module (nobody here exports traces) there is no such hook.
		N8N_DISABLED_MODULES: `${DISABLED_MODULES},otel`,
		...(o.binaryDataMode ? { N8N_DEFAULT_BINARY_DATA_MODE: o.binaryDataMode } : {}),
	};
}

export async function startQueueStack(options: QueueStackOptions = {}): Promise<QueueStack> {
	const log = options.log ?? (() => {});
	const apiKey = options.apiKey ?? `rf_queue_${randomBytes(8).toString('hex')}`;
	const workerCount = options.workers ?? 2;
	const concurrency = options.concurrency ?? 10;
	const install = await ensureN8nInstalled({ log });
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rf-queue-'));
	const logDir = path.join(work, 'logs');
	const filesDir = path.join(work, 'files');
	const binaryDataDir = path.join(work, 'binary-data');
	for (const d of [logDir, filesDir, binaryDataDir]) fs.mkdirSync(d);
	const folders = { main: path.join(work, 'main'), workers: Array.from({ length: workerCount }, (_, i) => path.join(work, `worker-${i + 1}`)) };

	const tarball = packThisPackage(work, log);
	log(`installing the package into the main and ${workerCount} workers...`);
	await Promise.all([folders.main, ...folders.workers].map((f) => installCommunityPackage(tarball, f, install.n8nRoot, { log })));

	const cleanups: Array<() => Promise<void>> = [];
	const cleanUp = async () => {
		for (const c of cleanups.reverse()) await c().catch((e) => log(`clean-up: ${(e as Error).message}`));
		cleanups.length = 0;
	};
	try {
		const redis = await startRedis(logDir, log);
		cleanups.push(() => redis.stop());
		const postgres = await startPostgres(install.n8nRoot, log, logDir);
		cleanups.push(() => postgres.stop());
		const emulator = await startEmulator({ apiKeys: [apiKey], seed: 12, ...options.emulator });
		cleanups.push(() => emulator.close());

		const encryptionKey = randomBytes(24).toString('hex');
		const inspectPorts = new Map<string, number>();
		if (options.inspectable) {
			for (const name of ['main', ...folders.workers.map((_, i) => `worker-${i + 1}`)]) inspectPorts.set(name, await freePort([...inspectPorts.values()]));
		}
		const nodeOptions = (name: string): Record<string, string> => (inspectPorts.has(name) ? { NODE_OPTIONS: inspectPortOption(inspectPorts.get(name)!) } : {});
		let binaryDataMode = options.binaryDataMode;
		let extraEnv = options.env ?? {};
		let main: N8nInstance;
		let workers: N8nWorker[] = [];
		const startProcesses = async () => {
			const env = { ...queueEnvironment({ postgres, redis, encryptionKey, binaryDataDir, filesDir, binaryDataMode }), ...extraEnv };
			log(`starting n8n main (queue mode, binary data mode ${binaryDataMode ?? 'unset = database'})...`);
			main = await startN8n({ userFolder: folders.main, log, env: { ...env, ...nodeOptions('main') } });
			workers = [];
			// One at a time: both at once on two cores only make each slower.
			for (const [i, userFolder] of folders.workers.entries()) {
				const name = `worker-${i + 1}`;
				workers.push(await startN8nWorker({ name, install, userFolder, mainEnv: main.env, concurrency, log, env: nodeOptions(name) }));
			}
		};
		const stopProcesses = async () => {
			await Promise.all(workers.map((w) => w.stop()));
			await main?.stop();
		};
		await startProcesses();
		cleanups.push(stopProcesses);
		const credentialName = 'Roboflow (emulator)';
		const credentialId = await main!.api.createCredential('roboflowApi', credentialName, { apiKey, baseUrl: emulator.apiUrl });

		return {
			get n8n() {
				return main;
			},
			get workers() {
				return workers;
			},
			emulator,
			postgres,
			redis,
			apiKey,
			credential: { id: credentialId, name: credentialName },
			filesDir,
			logDir,
			async restartN8n(o) {
				await stopProcesses();
				binaryDataMode = o.binaryDataMode;
				extraEnv = { ...(options.env ?? {}), ...(o.env ?? {}) };
				await startProcesses();
			},
			workerOf(executionId) {
				const started = new RegExp(`Worker started execution ${executionId} `);
				return workers.find((w) => started.test(readText(w.logFile)));
			},
			async heapAfterGc(processName) {
				const port = inspectPorts.get(processName);
				const pid = processName === 'main' ? main.pid : workers.find((w) => w.name === processName)?.pid;
				if (!port || !pid) throw new Error(`no inspectable running process "${processName}" (start the stack with inspectable: true)`);
				return heapAfterGc(pid, port);
			},
			async stop() {
				await cleanUp();
				// The processes' logs stay with the other logs; the rest of the folder goes.
				fs.copyFileSync(main.logFile, path.join(logDir, 'main.log'));
				for (const w of workers) fs.copyFileSync(w.logFile, path.join(logDir, `${w.name}.log`));
				for (const entry of fs.readdirSync(work)) if (entry !== 'logs') fs.rmSync(path.join(work, entry), { recursive: true, force: true });
				log(`logs kept in ${logDir}`);
			},
		};
	} catch (error) {
		await cleanUp();
		throw error;
	}
}

function readText(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}
