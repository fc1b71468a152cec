/**
 * A local emulator of Roboflow's hosted Video Inference API, for tests.
 *
 * Two HTTP servers, like the real thing: the API host (api.roboflow.com) and a
 * storage host standing in for storage.googleapis.com, on separate ports. The
 * API's contract is ../shared/roboflow-api.md (beside this checkout); see api.ts for the routes,
 * storage.ts for uploads and results, jobs.ts for simulated job time, faults.ts
 * for misbehaviour on demand (fault-responses.ts puts it on the wire), results.ts
 * for the results file.
 *
 * Test control is available in process (the returned object) and over HTTP on
 * the API port, for an emulator running in another process:
 *   GET    /__emulator/requests   everything served, in order (RecordedRequest[])
 *   GET    /__emulator/jobs       JobSnapshot[]
 *   POST   /__emulator/faults     body: FaultRule            -> 204 (400 if malformed)
 *   DELETE /__emulator/faults                                -> 204
 *   POST   /__emulator/reset      clear record, jobs, uploads, faults -> 204
 *   POST   /__emulator/config     body: RuntimeOptions       -> 200 {current options}
 *                                 (e.g. {"resultsFile": "/path/results.json"}: every finished job
 *                                 serves that file, streamed from disk; null: the made results)
 * Admin routes (admin-routes.ts) are neither recorded nor faulted; serve-requests.ts is how
 * each server serves the rest, emulator-options.ts what may be configured.
 *
 * All job time comes from Date.now() so tests can fake the clock; nothing advances on a
 * timer. Only the delay and trickle faults wait, on real timers that close() cancels.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { handleAdminRequest } from './admin-routes';
import type { ApiContext } from './api';
import { applyRuntimeOptions, DEFAULTS, initialSettings, type EmulatorOptions } from './emulator-options';
import { FaultResponder } from './fault-responses';
import { FaultBook, type FaultRule } from './faults';
import type { RecordedRequest } from './http-util';
import { JobBook, type JobSnapshot, type StoredVideoLookup } from './jobs';
import { serveApiRequest, serveStorageRequest, type ServingContext } from './serve-requests';
import { UrlSigner } from './signing';
import { INPUT_BUCKET, ObjectStore } from './storage';

export type { RecordedRequest } from './http-util';
export type { JobSnapshot, JobFailure, JobState, ProcessingOptions } from './jobs';
export type { Fault, FaultMatch, FaultRule } from './faults';
export { DEFAULT_API_KEY, DEFAULTS, type EmulatorOptions, type RuntimeOptions } from './emulator-options';

export interface RoboflowEmulator {
	apiUrl: string;
	storageUrl: string;
	apiKey: string;
	requests: RecordedRequest[];
	statusPolls(jobId: string): RecordedRequest[];
	jobs(): JobSnapshot[];
	addFault(f: FaultRule): void;
	clearFaults(): void;
	reset(): void;
	configure(partial: Partial<EmulatorOptions>): void;
	close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RoboflowEmulator> {
	const host = opts.host ?? DEFAULTS.host;
	const settings = initialSettings(opts);
	const workspace = opts.workspace ?? DEFAULTS.workspace;
	const log = opts.log ?? (() => undefined);
	const workDir = await mkdtemp(path.join(os.tmpdir(), 'roboflow-emulator-'));

	const requests: RecordedRequest[] = [];
	const faults = new FaultBook();
	const responder = new FaultResponder();
	const signer = new UrlSigner();
	const store = new ObjectStore(path.join(workDir, 'uploads'));
	let storageOrigin = '';

	const storedVideo: StoredVideoLookup = (inputUrl) => {
		const sameHost = inputUrl.origin === storageOrigin || (isLoopback(inputUrl.hostname) && inputUrl.port === new URL(storageOrigin).port);
		if (!sameHost) return undefined;
		if (!inputUrl.pathname.startsWith(`/${INPUT_BUCKET}/`)) return { found: false, reason: 'input_url points at the emulator storage but not at an uploaded video.' };
		const object = store.get(inputUrl.pathname, Date.now());
		return object
			? { found: true, filePath: object.filePath }
			: { found: false, reason: 'No video has been uploaded to this signed URL (or it was deleted after a week).' };
	};
	const jobs = new JobBook({ seed: () => settings.seed, processing: () => settings.processing, workDir, storedVideo });

	const record = (entry: RecordedRequest): void => {
		requests.push(entry);
		log(`${entry.host} ${entry.method} ${entry.path} -> ${entry.status || 'no answer'}${entry.jobId ? ` (job ${entry.jobId})` : ''}`);
	};

	const ctx: ApiContext = {
		apiKeys: () => settings.apiKeys,
		workspace,
		seed: () => settings.seed,
		pollWindowMs: () => settings.pollWindowMs,
		uploadUrlTtlSeconds: () => settings.uploadUrlTtlSeconds,
		outputUrlTtlSeconds: () => settings.outputUrlTtlSeconds,
		resultsFile: () => settings.resultsFile,
		apiUrl: '',
		storageUrl: '',
		signer,
		store,
		jobs,
		faults,
	};

	const configure = (partial: Partial<EmulatorOptions>): void => applyRuntimeOptions(settings, partial);

	const reset = async (): Promise<void> => {
		requests.length = 0;
		faults.clear();
		// Both clear their maps synchronously before their first await.
		await Promise.all([jobs.clear(), store.clear()]);
	};

	const snapshots = (): JobSnapshot[] => jobs.all().map((job) => jobs.snapshot(job, Date.now()));

	const serving: ServingContext = {
		ctx,
		responder,
		record,
		log,
		storageOrigin: () => storageOrigin,
		handleAdmin: (req, res, url) => handleAdminRequest({ requests, snapshots, faults, settings, reset, configure }, req, res, url),
	};
	const apiServer = http.createServer((req, res) => serveApiRequest(serving, req, res));
	const storageServer = http.createServer((req, res) => serveStorageRequest(serving, req, res));

	const listen = (server: http.Server, port: number): Promise<number> =>
		new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, host, () => {
				server.off('error', reject);
				resolve((server.address() as AddressInfo).port);
			});
		});

	let apiPort: number;
	let storagePort: number;
	try {
		storagePort = await listen(storageServer, opts.storagePort ?? 0);
		apiPort = await listen(apiServer, opts.port ?? 0);
	} catch (error) {
		await closeServer(storageServer);
		await closeServer(apiServer);
		await rm(workDir, { recursive: true, force: true });
		throw error;
	}
	const urlHost = host.includes(':') ? `[${host}]` : host;
	const apiUrl = `http://${urlHost}:${apiPort}`;
	const storageUrl = `http://${urlHost}:${storagePort}`;
	storageOrigin = storageUrl;
	ctx.storageUrl = storageUrl;
	ctx.apiUrl = apiUrl;

	let closed: Promise<void> | undefined;
	return {
		apiUrl,
		storageUrl,
		get apiKey() {
			return settings.apiKeys[0];
		},
		requests,
		statusPolls: (jobId) => requests.filter((r) => r.host === 'api' && r.method === 'GET' && r.path.replace(/\/$/, '') === '/videoinfer' && r.jobId === jobId),
		jobs: snapshots,
		addFault: (rule) => faults.add(rule),
		clearFaults: () => faults.clear(),
		// Records, jobs, uploads and faults are gone at once; files are removed in the background.
		reset: () => void reset(),
		configure,
		close: () => {
			closed ??= (async () => {
				responder.endAll(); // hanging, trickling and delayed requests
				await Promise.all([closeServer(apiServer), closeServer(storageServer)]);
				await jobs.clear();
				await rm(workDir, { recursive: true, force: true });
			})();
			return closed;
		},
	};
}

function isLoopback(hostname: string): boolean {
	return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

function closeServer(server: http.Server): Promise<void> {
	return new Promise((resolve) => {
		if (!server.listening) return resolve();
		server.close(() => resolve());
		server.closeAllConnections();
	});
}
