/**
 * An n8n queue-mode worker (`n8n worker --concurrency=N`): the same process handling as the
 * main (n8n-process.ts: own process group, log file, stop/kill), ready when its health server
 * answers /healthz/readiness (which checks the database and Redis).
 */
import * as path from 'node:path';

import type { Log, N8nInstallation } from '../install';
import { freePort, HOST, n8nChildEnv } from '../n8n/configure';
import { N8nProcess } from '../n8n/n8n-process';
import { installCleanupHandlers } from '../n8n/process-groups';

export interface N8nWorker {
	readonly name: string;
	readonly userFolder: string;
	readonly logFile: string;
	readonly pid: number | undefined;
	readonly running: boolean;
	readonly healthPort: number;
	start(): Promise<void>;
	stop(): Promise<void>;
	/** SIGKILL the worker's process group at once (crash tests). */
	kill(): Promise<void>;
}

/** Settings only the main uses (the owner from env) are left out of a worker's environment. */
const MAIN_ONLY = /^N8N_INSTANCE_OWNER_/;

export async function startN8nWorker(o: {
	name: string;
	install: N8nInstallation;
	userFolder: string;
	/** The main's environment (queue, database, encryption key); the worker's own ports go over it. */
	mainEnv: Record<string, string>;
	concurrency: number;
	log: Log;
	/** This worker's own settings over the main's (e.g. NODE_OPTIONS). */
	env?: Record<string, string>;
}): Promise<N8nWorker> {
	installCleanupHandlers();
	const healthPort = await freePort();
	const brokerPort = await freePort([healthPort]);
	const env: Record<string, string> = Object.fromEntries(Object.entries(o.mainEnv).filter(([k]) => !MAIN_ONLY.test(k)));
	Object.assign(env, {
		N8N_USER_FOLDER: o.userFolder,
		// Each process its own task-runner broker port, each worker its own health port.
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		QUEUE_HEALTH_CHECK_PORT: String(healthPort),
		N8N_WORKER_SERVER_ADDRESS: HOST,
		...o.env,
	});
	const logFile = path.join(o.userFolder, 'n8n.log');
	const server = new N8nProcess({
		nodePath: path.join(o.install.nodeBin, 'node'),
		n8nBin: o.install.n8nBin,
		userFolder: o.userFolder,
		logFile,
		baseUrl: `http://${HOST}:${healthPort}`,
		childEnv: () => n8nChildEnv(o.install, env),
		log: o.log,
		args: ['worker', `--concurrency=${o.concurrency}`],
		readyUrl: `http://${HOST}:${healthPort}/healthz/readiness`,
	});
	const start = async () => {
		const t0 = Date.now();
		server.spawn();
		try {
			await server.waitReady(120_000);
		} catch (e) {
			await server.kill();
			throw e;
		}
		o.log(`${o.name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${server.childPid}, log ${logFile})`);
	};
	await start();
	return {
		name: o.name,
		userFolder: o.userFolder,
		logFile,
		healthPort,
		get pid() {
			return server.running ? server.childPid : undefined;
		},
		get running() {
			return server.running;
		},
		start,
		stop: () => server.stop(),
		kill: () => server.kill(),
	};
}
