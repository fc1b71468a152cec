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
 * Admin routes are neither recorded nor faulted.
 *
 * All job time comes from Date.now() so tests can fake the clock; nothing advances on a
 * timer. Only the delay and trickle faults wait, on real timers that close() cancels.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { answerApiRequest, routeApiRequest, type ApiContext } from './api';
import { requestPlaceholders } from './fault-placeholders';
import { FaultResponder } from './fault-responses';
import { FaultBook, validateFaultRule, type EmulatorEndpoint, type FaultRule } from './faults';
import { flattenHeaders, queryObject, readBody, sendJson, sendRoboflowError, type RecordedRequest } from './http-util';
import { JobBook, type JobSnapshot, type ProcessingOptions, type StoredVideoLookup } from './jobs';
import { UrlSigner, storageErrorXml } from './signing';
import { handleStorageRequest, INPUT_BUCKET, ObjectStore } from './storage';

export type { RecordedRequest } from './http-util';
export type { JobSnapshot, JobFailure, JobState, ProcessingOptions } from './jobs';
export type { Fault, FaultMatch, FaultRule } from './faults';

export interface EmulatorOptions {
	host?: string;
	port?: number;
	storagePort?: number;
	apiKeys?: string[];
	workspace?: string;
	/** One status poll per job per window; an earlier poll gets 429 with Retry-After. */
	pollWindowMs?: number;
	/** Simulated job duration: fixedSeconds, else baseSeconds + videoSeconds * models * secondsPerVideoSecondPerModel. */
	processing?: ProcessingOptions;
	seed?: number;
	uploadUrlTtlSeconds?: number;
	outputUrlTtlSeconds?: number;
	/** Never receives api keys or signed query strings. */
	log?: (line: string) => void;
}

/** Options that may change while the emulator runs (configure() and POST /__emulator/config). */
export type RuntimeOptions = Pick<EmulatorOptions, 'pollWindowMs' | 'processing' | 'seed' | 'uploadUrlTtlSeconds' | 'outputUrlTtlSeconds' | 'apiKeys'>;

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

export const DEFAULT_API_KEY = 'emulator-api-key';
export const DEFAULTS = {
	host: '127.0.0.1',
	workspace: 'emulator-workspace',
	pollWindowMs: 60_000,
	seed: 1,
	uploadUrlTtlSeconds: 3_600,
	outputUrlTtlSeconds: 3_600,
};

const RUNTIME_KEYS: ReadonlyArray<keyof RuntimeOptions> = ['pollWindowMs', 'processing', 'seed', 'uploadUrlTtlSeconds', 'outputUrlTtlSeconds', 'apiKeys'];

function validateRuntimeOptions(partial: Record<string, unknown>): string | undefined {
	for (const [key, value] of Object.entries(partial)) {
		if (!(RUNTIME_KEYS as readonly string[]).includes(key)) return `"${key}" cannot be changed at runtime.`;
		if (key === 'processing') {
			if (typeof value !== 'object' || value === null) return '"processing" must be an object.';
			for (const [k, v] of Object.entries(value)) {
				if (!['baseSeconds', 'secondsPerVideoSecondPerModel', 'fixedSeconds'].includes(k)) return `Unknown processing option "${k}".`;
				if (v !== undefined && !(typeof v === 'number' && v >= 0)) return `processing.${k} must be a number >= 0.`;
			}
		} else if (key === 'apiKeys') {
			if (!Array.isArray(value) || value.length === 0 || !value.every((k) => typeof k === 'string' && k)) return '"apiKeys" must be a non-empty list of strings.';
		} else if (!(typeof value === 'number' && value >= 0)) {
			return `"${key}" must be a number >= 0.`;
		}
	}
	return undefined;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RoboflowEmulator> {
	const host = opts.host ?? DEFAULTS.host;
	const settings = {
		apiKeys: opts.apiKeys?.length ? [...opts.apiKeys] : [DEFAULT_API_KEY],
		pollWindowMs: opts.pollWindowMs ?? DEFAULTS.pollWindowMs,
		processing: { ...opts.processing } as ProcessingOptions,
		seed: opts.seed ?? DEFAULTS.seed,
		uploadUrlTtlSeconds: opts.uploadUrlTtlSeconds ?? DEFAULTS.uploadUrlTtlSeconds,
		outputUrlTtlSeconds: opts.outputUrlTtlSeconds ?? DEFAULTS.outputUrlTtlSeconds,
	};
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
		apiUrl: '',
		storageUrl: '',
		signer,
		store,
		jobs,
		faults,
	};

	const configure = (partial: Partial<EmulatorOptions>): void => {
		const runtime = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
		const problem = validateRuntimeOptions(runtime);
		if (problem) throw new Error(problem);
		if (runtime.processing) settings.processing = { ...(runtime.processing as ProcessingOptions) };
		if (runtime.apiKeys) settings.apiKeys = [...(runtime.apiKeys as string[])];
		for (const key of ['pollWindowMs', 'seed', 'uploadUrlTtlSeconds', 'outputUrlTtlSeconds'] as const) {
			if (typeof runtime[key] === 'number') settings[key] = runtime[key] as number;
		}
	};

	const reset = async (): Promise<void> => {
		requests.length = 0;
		faults.clear();
		// Both clear their maps synchronously before their first await.
		await Promise.all([jobs.clear(), store.clear()]);
	};

	const snapshots = (): JobSnapshot[] => jobs.all().map((job) => jobs.snapshot(job, Date.now()));

	const handleAdmin = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
		const method = req.method ?? 'GET';
		const route = `${method} ${url.pathname.replace(/\/$/, '')}`;
		const readJson = async (): Promise<unknown> => {
			const text = await readBody(req);
			return text ? JSON.parse(text) : {};
		};
		try {
			switch (route) {
				case 'GET /__emulator/requests':
					return sendJson(res, 200, requests);
				case 'GET /__emulator/jobs':
					return sendJson(res, 200, snapshots());
				case 'POST /__emulator/faults': {
					const rule = await readJson();
					validateFaultRule(rule);
					faults.add(rule);
					res.writeHead(204).end();
					return;
				}
				case 'DELETE /__emulator/faults':
					faults.clear();
					res.writeHead(204).end();
					return;
				case 'POST /__emulator/reset':
					await reset();
					res.writeHead(204).end();
					return;
				case 'POST /__emulator/config': {
					configure((await readJson()) as Partial<EmulatorOptions>);
					return sendJson(res, 200, { ...settings, apiKeys: settings.apiKeys.length });
				}
				default:
					return sendJson(res, 404, { error: `Unknown emulator admin route ${route}.` });
			}
		} catch (error) {
			sendJson(res, 400, { error: (error as Error).message });
		}
	};

	const apiServer = http.createServer((req, res) => {
		void (async () => {
			const at = Date.now();
			const url = new URL(req.url ?? '/', 'http://api.local');
			if (url.pathname.startsWith('/__emulator/')) return handleAdmin(req, res, url);
			const entry: RecordedRequest = {
				at,
				host: 'api',
				method: (req.method ?? 'GET').toUpperCase(),
				path: url.pathname,
				query: queryObject(url.searchParams),
				headers: flattenHeaders(req),
				status: 0,
			};
			try {
				const route = await routeApiRequest(ctx, req, url);
				if (route.body !== undefined) entry.body = route.body;
				entry.jobId = route.jobId;
				entry.endpoint = route.endpoint;
				const fault = faults.takeRequestFault({ host: 'api', endpoint: route.endpoint, method: entry.method, jobId: route.jobId, inputUrl: route.inputUrl });
				entry.fault = fault?.type;
				const job = route.jobId ? { id: route.jobId, inputUrl: route.inputUrl } : undefined;
				await responder.serve(fault, { host: 'api', req, res, placeholders: requestPlaceholders(ctx, req, ctx.apiUrl, job) }, async () => {
					entry.jobId = (await answerApiRequest(ctx, req, res, url, route)) ?? entry.jobId;
				});
			} catch (error) {
				log(`api internal error: ${(error as Error).message}`);
				if (!res.headersSent && !res.destroyed) sendRoboflowError(res, 500, 'ServerError', 'Internal server error.', 'Please try again later.');
			}
			entry.status = res.headersSent ? res.statusCode : 0; // 0: no answer (dropped, or the client went away)
			record(entry);
		})();
	});

	const resultsFor = (id: string): unknown => {
		const found = jobs.get(id);
		return found && jobs.status(found, Date.now()).state === 'succeeded' && found.outcomeDecided ? jobs.results(found) : undefined;
	};

	const storageServer = http.createServer((req, res) => {
		void (async () => {
			const at = Date.now();
			const url = new URL(req.url ?? '/', 'http://storage.local');
			const method = (req.method ?? 'GET').toUpperCase();
			const endpoint: EmulatorEndpoint = method === 'PUT' ? 'upload' : 'results';
			const jobId = /^\/[^/]+\/([^/]+)\/results\.json$/.exec(url.pathname)?.[1];
			const job = jobId ? jobs.get(decodeURIComponent(jobId)) : undefined;
			const entry: RecordedRequest = { at, host: 'storage', method, path: url.pathname, query: queryObject(url.searchParams), headers: flattenHeaders(req), status: 0, jobId: job?.id, endpoint };
			try {
				const fault = faults.takeRequestFault({ host: 'storage', endpoint, method, jobId: job?.id, inputUrl: job?.request.input_url });
				entry.fault = fault?.type;
				const placeholders = requestPlaceholders(ctx, req, storageOrigin, job && { id: job.id, inputUrl: job.request.input_url });
				await responder.serve(fault, { host: 'storage', req, res, placeholders }, async () => {
					const outcome = await handleStorageRequest({ signer, store, resultsFor }, req, res, url);
					if (outcome.body !== undefined) entry.body = outcome.body;
					entry.jobId = outcome.jobId ? decodeURIComponent(outcome.jobId) : undefined;
				});
			} catch (error) {
				// Usually the client went away mid-upload; the partial file is already removed.
				log(`storage error: ${(error as Error).message}`);
				if (!res.headersSent && !res.destroyed) {
					res.writeHead(500, { 'Content-Type': 'application/xml; charset=UTF-8' });
					res.end(storageErrorXml('InternalError', 'We encountered an internal error. Please try again.'));
				}
			}
			entry.status = res.headersSent ? res.statusCode : 0; // 0: no answer (dropped, or the client went away)
			record(entry);
		})();
	});

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
