/**
 * Starts a real, headless n8n on 127.0.0.1 for end-to-end tests and demos. Each job has its
 * own file; startN8n() puts them together in this order:
 *
 * - configure.ts: a user folder (SQLite; a temp folder unless one is given), free ports for
 *   n8n and its task-runner broker, and every switch that keeps n8n from calling out;
 * - owner.ts: the owner, created by n8n from env; after each start, REST login and a public
 *   API key (rest-client.ts holds the session);
 * - n8n-process.ts: spawn, wait for /healthz/readiness, stop or kill; process-groups.ts makes
 *   sure no process group outlives the harness (exit/signal handlers and a reaper process);
 * - the instance's clients: public-api.ts, rest-client.ts, webhooks.ts, n8n-cli.ts.
 *
 * n8n's stdout/stderr go to `<userFolder>/n8n.log`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ensureN8nInstalled, N8N_VERSION, type Log } from '../install';
import { freePort, HOST, n8nChildEnv, n8nEnvironment, prepareUserFolder } from './configure';
import { N8nProcess } from './n8n-process';
import { cliRunner, workflowImporter } from './n8n-cli';
import { loadOwner, signInOwner } from './owner';
import { installCleanupHandlers } from './process-groups';
import { publicApiClient } from './public-api';
import { restClient, restSession } from './rest-client';
import type { N8nInstance, StartN8nOptions } from './types';
import { webhookCaller } from './webhooks';

export { N8N_VERSION, type Log } from '../install';
export { DISABLED_MODULES } from './configure';
export { HttpError } from './http';
export { killAllN8n } from './process-groups';
export type { ExecutionSummary, HttpResult, N8nInstance, PublicApiClient, RestClient, StartN8nOptions } from './types';

export async function startN8n(opts: StartN8nOptions = {}): Promise<N8nInstance> {
	const log: Log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
	const install = await ensureN8nInstalled({ log });
	const nodePath = path.join(install.nodeBin, 'node');

	const { userFolder, created: createdFolder } = prepareUserFolder(opts.userFolder);
	const logFile = path.join(userFolder, 'n8n.log');
	const port = await freePort();
	const brokerPort = await freePort([port]);
	const baseUrl = `http://${HOST}:${port}`;
	const { owner, save: saveOwner } = loadOwner(userFolder, install.n8nRoot);
	const env = n8nEnvironment({ userFolder, port, brokerPort, baseUrl, owner, extra: opts.env });
	const childEnv = () => n8nChildEnv(install, env);

	installCleanupHandlers();

	const server = new N8nProcess({ nodePath, n8nBin: install.n8nBin, userFolder, logFile, baseUrl, childEnv, log });
	const session = restSession(baseUrl);
	const api = publicApiClient(baseUrl, () => owner.apiKey ?? '');
	const rest = restClient(session);
	const runCli = cliRunner({ nodePath, n8nBin: install.n8nBin, userFolder, logFile, childEnv });
	const importWorkflowFile = workflowImporter({ api, runCli, isRunning: () => server.running });
	const callWebhook = webhookCaller(baseUrl);
	let lastStartMs = 0;

	const boot = async () => {
		const t0 = Date.now();
		server.spawn();
		try {
			await server.waitReady(opts.readyTimeoutMs ?? 120_000);
			lastStartMs = Date.now() - t0;
			await signInOwner(baseUrl, session, owner, saveOwner);
		} catch (e) {
			await server.kill();
			throw e;
		}
		log(`n8n ${N8N_VERSION} ready on ${baseUrl} in ${(lastStartMs / 1000).toFixed(1)} s (pid ${server.childPid}, log ${logFile})`);
	};

	await boot();

	const instance: N8nInstance = {
		baseUrl,
		port,
		brokerPort,
		userFolder,
		logFile,
		owner: { email: owner.email, password: owner.password },
		install,
		api,
		rest,
		get env() {
			return { ...env };
		},
		get running() {
			return server.running;
		},
		get pid() {
			return server.running ? server.childPid : undefined;
		},
		get lastStartMs() {
			return lastStartMs;
		},
		callWebhook,
		async stop(s) {
			await server.stop(s?.timeoutMs);
			if (createdFolder && opts.removeUserFolderOnStop) fs.rmSync(userFolder, { recursive: true, force: true });
		},
		kill: () => server.kill(),
		async restart() {
			await server.stop();
			await boot();
		},
		importWorkflowFile,
		runCli,
	};
	return instance;
}
