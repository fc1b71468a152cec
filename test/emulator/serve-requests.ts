/**
 * How each of the two servers serves one request: record it, let the fault rules pick a
 * fault for it, then answer through the FaultResponder (which answers normally when no fault
 * applies). A request is recorded once its fate is set, with status 0 if it got no answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerApiRequest, routeApiRequest, type ApiContext } from './api';
import { requestPlaceholders } from './fault-placeholders';
import type { FaultResponder } from './fault-responses';
import type { EmulatorEndpoint } from './faults';
import { flattenHeaders, queryObject, sendRoboflowError, type RecordedRequest } from './http-util';
import { storageErrorXml } from './signing';
import { handleStorageRequest, type ResultsAnswer } from './storage';

/** What both servers share: the API context (jobs, faults, signer, store), the responder, the record. */
export interface ServingContext {
	ctx: ApiContext;
	responder: FaultResponder;
	record: (entry: RecordedRequest) => void;
	log: (line: string) => void;
	/** The storage server's own origin, known once it listens. */
	storageOrigin: () => string;
	/** The /__emulator/ routes, which are neither recorded nor faulted. */
	handleAdmin: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

/** api.roboflow.com: admin routes, else route, fault, answer, record. */
export function serveApiRequest(serving: ServingContext, req: IncomingMessage, res: ServerResponse): void {
	const { ctx, responder, record, log, handleAdmin } = serving;
	const { faults } = ctx;
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
}

/** storage.googleapis.com: uploads (PUT) and results downloads, each faultable. */
export function serveStorageRequest(serving: ServingContext, req: IncomingMessage, res: ServerResponse): void {
	const { ctx, responder, record, log } = serving;
	const { faults, jobs, signer, store } = ctx;
	const resultsFor = (id: string): ResultsAnswer | undefined => {
		const found = jobs.get(id);
		if (!found || jobs.status(found, Date.now()).state !== 'succeeded' || !found.outcomeDecided) return undefined;
		const file = ctx.resultsFile();
		return file ? { file } : { json: jobs.results(found) };
	};
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
			const placeholders = requestPlaceholders(ctx, req, serving.storageOrigin(), job && { id: job.id, inputUrl: job.request.input_url });
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
}
