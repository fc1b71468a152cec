/** Shared helpers for the emulator tests: plain fetch against 127.0.0.1, fixtures, a fake clock. */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RoboflowEmulator } from '../server';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
export const fixture = (name: string): string => path.join(FIXTURES, name);

export const RPS_MODEL = { model_id: 'rock-paper-scissors-presentation', model_version: '4', inference_type: 'object-detection' };

/** Fakes only Date (so Date.now/new Date follow jest.setSystemTime); real timers keep sockets working. */
export function useFakeClock(start = Date.UTC(2025, 0, 15, 12, 0, 0)): { advance(ms: number): void; now(): number } {
	jest.useFakeTimers({
		doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
		now: start,
	});
	return {
		advance: (ms) => jest.setSystemTime(Date.now() + ms),
		now: () => Date.now(),
	};
}

export interface JsonAnswer<T = any> {
	status: number;
	headers: Headers;
	body: T;
}

export async function callApi<T = any>(emulator: RoboflowEmulator, method: string, pathAndQuery: string, body?: unknown, apiKey: string | null = emulator.apiKey): Promise<JsonAnswer<T>> {
	const url = new URL(pathAndQuery, emulator.apiUrl);
	if (apiKey !== null) url.searchParams.set('api_key', apiKey);
	const response = await fetch(url, {
		method,
		headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = text ? JSON.parse(text) : undefined;
	} catch {
		/* keep text */
	}
	return { status: response.status, headers: response.headers, body: parsed as T };
}

export async function signedUrlFor(emulator: RoboflowEmulator, fileName: string): Promise<string> {
	const answer = await callApi(emulator, 'POST', '/video_upload_signed_url/', { file_name: fileName });
	expect(answer.status).toBe(200);
	return answer.body.signed_url;
}

/** PUTs a fixture as a stream (the way a well-behaved client uploads a large video). */
export async function putFile(signedUrl: string, filePath: string, contentType = 'application/octet-stream'): Promise<Response> {
	return fetch(signedUrl, {
		method: 'PUT',
		headers: { 'Content-Type': contentType, 'Content-Length': String(statSync(filePath).size) },
		body: Readable.toWeb(createReadStream(filePath)) as unknown as RequestInit['body'],
		duplex: 'half',
	} as RequestInit);
}

export async function uploadFixture(emulator: RoboflowEmulator, name: string, uploadName = name): Promise<string> {
	const url = await signedUrlFor(emulator, uploadName);
	const put = await putFile(url, fixture(name));
	expect(put.status).toBe(200);
	return url;
}

export async function createJob(emulator: RoboflowEmulator, body: Record<string, unknown>): Promise<string> {
	const answer = await callApi(emulator, 'POST', '/videoinfer/', body);
	expect(answer.status).toBe(200);
	return answer.body.job_id;
}

export async function poll(emulator: RoboflowEmulator, jobId: string): Promise<JsonAnswer> {
	return callApi(emulator, 'GET', `/videoinfer/?job_id=${encodeURIComponent(jobId)}`);
}

/** A throwaway file server on 127.0.0.1 for "public URL" inputs; close it in afterAll. */
export async function startFileServer(routes: Record<string, { file?: string; status?: number; redirect?: string }>): Promise<{ url: string; close(): Promise<void> }> {
	const server = http.createServer((req, res) => {
		const route = routes[req.url ?? ''];
		if (!route) return void res.writeHead(404).end('not found');
		if (route.redirect) return void res.writeHead(302, { Location: route.redirect }).end();
		if (route.status && route.status !== 200) return void res.writeHead(route.status).end('nope');
		res.writeHead(200, { 'Content-Type': 'video/mp4' });
		createReadStream(route.file!).pipe(res);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

export interface RawAnswer {
	/** undefined when no answer (status line) came at all. */
	status?: number;
	headers: http.IncomingHttpHeaders;
	/** Every body byte that arrived before the end or the error. */
	body: Buffer;
	/** How the exchange failed, if it did (e.g. 'aborted', 'ECONNRESET', 'socket hang up'). */
	error?: string;
	/** ms from sending to the status line, and to the end (or the error). */
	headersAfterMs?: number;
	endedAfterMs: number;
}

/**
 * One request over a fresh connection (no pooling, no timers left behind), with node:http, which
 * says exactly what arrived: it never throws, it resolves with what came and how it ended.
 * `abortAfterMs` gives up like a client with a timeout.
 */
export function rawRequest(
	url: string,
	options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; abortAfterMs?: number } = {},
): Promise<RawAnswer> {
	const started = performance.now();
	const elapsed = (): number => performance.now() - started;
	return new Promise((resolve) => {
		const answer: RawAnswer = { status: undefined, headers: {}, body: Buffer.alloc(0), endedAfterMs: 0 };
		const chunks: Buffer[] = [];
		let settled = false;
		const settle = (error?: string): void => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			answer.body = Buffer.concat(chunks);
			answer.error = error;
			answer.endedAfterMs = elapsed();
			resolve(answer);
		};
		const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
			answer.status = response.statusCode;
			answer.headers = response.headers;
			answer.headersAfterMs = elapsed();
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => settle(response.complete ? undefined : 'aborted'));
			response.on('aborted', () => settle('aborted'));
			response.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
			response.on('close', () => settle(response.complete ? undefined : 'aborted'));
		});
		const timer = options.abortAfterMs === undefined ? undefined : setTimeout(() => {
			request.destroy();
			settle('gave up');
		}, options.abortAfterMs);
		request.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
		request.end(options.body);
	});
}

/** A job request for sample.mp4, uploaded anew: 2 fps, the rock-paper-scissors model. */
export async function jobBody(emulator: RoboflowEmulator): Promise<Record<string, unknown>> {
	return { input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 2, models: [RPS_MODEL] };
}

/** The exact URL a status poll is sent to (so placeholder expansions can be compared with it). */
export function pollUrl(emulator: RoboflowEmulator, jobId: string, key = emulator.apiKey): string {
	return `${emulator.apiUrl}/videoinfer/?api_key=${key}&job_id=${jobId}`;
}

/** A job that has finished, and its results URL (fakes the clock; for an emulator whose jobs take 10 s or less). */
export async function finishedJob(emulator: RoboflowEmulator): Promise<{ jobId: string; resultsUrl: string }> {
	const clock = useFakeClock();
	const jobId = await createJob(emulator, await jobBody(emulator));
	clock.advance(10_000);
	const answer = await poll(emulator, jobId);
	expect(answer.body.status).toBe(0);
	return { jobId, resultsUrl: answer.body.output_signed_url };
}
