/**
 * How request faults (see faults.ts) turn into what a client sees on the wire.
 *
 * The servers hand every request to FaultResponder.serve() with the fault it drew (if any)
 * and a `serve` callback that answers it normally. Faults that replace the answer (http,
 * respond, drop, hang) never call it; faults that mangle the real answer (truncate,
 * resetAfterHeaders, trickle) let it write into a captured response, then send that
 * answer's status and headers, with its full Content-Length, and cut or slow the body.
 *
 * Hanging, trickling and delayed requests are tracked so that endAll() (on close) ends
 * them at once; none leaves a timer behind once its connection is gone.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
// Imported from node:timers rather than used as globals: jest's fake timers replace the
// globals only, and a trickle must advance in real time even while a test fakes the clock.
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorHost, RequestFault } from './faults';
import { AUTH_ERROR, absoluteRequestUrl, sendRoboflowError } from './http-util';
import { storageErrorXml, type UrlSigner } from './signing';
import { OUTPUT_BUCKET } from './storage';

export interface PlaceholderValues {
	apiKey: string;
	requestUrl: string;
	signedUrl: string;
	inputUrl?: string;
}

/** Expands {{apiKey}}, {{requestUrl}}, {{requestUrlEncoded}}, {{signedUrl}} and {{inputUrl}}; others stay as they are. */
export function expandPlaceholders(text: string, values: () => PlaceholderValues): string {
	if (!text.includes('{{')) return text;
	let known: PlaceholderValues | undefined;
	return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
		known ??= values(); // once per text: two {{signedUrl}} in one body are the same URL
		switch (name) {
			case 'apiKey':
				return known.apiKey;
			case 'requestUrl':
				return known.requestUrl;
			case 'requestUrlEncoded':
				return encodeURIComponent(known.requestUrl);
			case 'signedUrl':
				return known.signedUrl;
			case 'inputUrl':
				return known.inputUrl ?? whole;
			default:
				return whole;
		}
	});
}

/** What placeholder values are made from (the API context provides all of it). */
export interface PlaceholderSource {
	apiKeys: () => string[];
	signer: UrlSigner;
	storageUrl: string;
	outputUrlTtlSeconds: () => number;
}

/** A freshly signed results-like URL on the storage host. */
export function baitSignedUrl(source: PlaceholderSource, jobId: string | undefined): string {
	const objectPath = `/${OUTPUT_BUCKET}/${encodeURIComponent(jobId ?? 'leak-bait')}/results.json`;
	return source.signer.sign(source.storageUrl, 'GET', objectPath, source.outputUrlTtlSeconds(), Date.now());
}

/** Placeholder values for one request, computed only if a body asks for them. */
export function requestPlaceholders(
	source: PlaceholderSource,
	req: IncomingMessage,
	origin: string,
	job?: { id: string; inputUrl?: string },
): () => PlaceholderValues {
	return () => {
		const requestUrl = absoluteRequestUrl(req, origin);
		return {
			apiKey: new URL(requestUrl).searchParams.get('api_key') || source.apiKeys()[0],
			requestUrl,
			signedUrl: baitSignedUrl(source, job?.id),
			inputUrl: job?.inputUrl,
		};
	};
}

export interface FaultTarget {
	host: EmulatorHost;
	req: IncomingMessage;
	res: ServerResponse;
	placeholders: () => PlaceholderValues;
}

/** The storage host's GCS error code for a status. */
function storageErrorCode(status: number): string {
	const codes: Record<number, string> = {
		400: 'InvalidArgument',
		401: 'AuthenticationRequired',
		403: 'AccessDenied',
		404: 'NoSuchKey',
		408: 'RequestTimeout',
		413: 'EntityTooLarge',
		429: 'SlowDown',
	};
	return codes[status] ?? (status >= 500 ? 'InternalError' : 'InvalidArgument');
}

/** Roboflow's error type and message for a status. */
function apiError(status: number): { type: string; message: string; hint: string } {
	const retry = 'Please try again later.';
	if (status === 429) return { type: 'RateLimitException', message: 'Too many requests.', hint: retry };
	if (status >= 500) return { type: 'ServerError', message: `The server encountered an error (HTTP ${status}).`, hint: retry };
	if (status === 401) return AUTH_ERROR;
	if (status === 403) return { type: 'OAuthException', message: 'This API key is not allowed to access this resource.', hint: AUTH_ERROR.hint };
	if (status === 404) return { type: 'GraphMethodException', message: 'Unsupported request: this resource does not exist.', hint: retry };
	if (status === 408) return { type: 'RequestTimeout', message: 'The request took too long.', hint: retry };
	if (status === 413) return { type: 'PayloadTooLarge', message: 'The request body is too large.', hint: 'Send a smaller request.' };
	return { type: 'ValidationError', message: `The request was refused (HTTP ${status}).`, hint: 'Check the request.' };
}

function sendBody(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
	const bytes = Buffer.from(body, 'utf8');
	const hasBody = status !== 204 && status !== 304;
	const all: Record<string, string> = { ...headers };
	if (hasBody && !Object.keys(all).some((name) => name.toLowerCase() === 'content-length')) all['Content-Length'] = String(bytes.length);
	res.writeHead(status, all);
	res.end(hasBody ? bytes : undefined);
}

/** The real answer as a handler wrote it. */
interface CapturedAnswer {
	status: number;
	headers: OutgoingHttpHeaders;
	body: Buffer;
}

type Callback = (error?: Error | null) => void;

/** Runs `serve` with res.writeHead/write/end captured instead of sent; restores them afterwards. */
async function captureAnswer(res: ServerResponse, serve: () => Promise<void>): Promise<CapturedAnswer> {
	let status = 200;
	const headers: OutgoingHttpHeaders = {};
	const chunks: Buffer[] = [];
	const collect = (chunk: unknown, encoding: unknown): void => {
		if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
		chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array));
	};
	const callbackOf = (...args: unknown[]): Callback | undefined => args.find((arg): arg is Callback => typeof arg === 'function');
	const overrides = {
		writeHead(code: number, ...rest: unknown[]): ServerResponse {
			status = code;
			const given = typeof rest[0] === 'string' ? rest[1] : rest[0];
			if (given && typeof given === 'object' && !Array.isArray(given)) Object.assign(headers, given);
			return res;
		},
		write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
			collect(chunk, encoding);
			const done = callbackOf(encoding, callback);
			if (done) process.nextTick(done);
			return true;
		},
		end(chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
			collect(chunk, encoding);
			const done = callbackOf(chunk, encoding, callback);
			if (done) process.nextTick(done);
			return res;
		},
	};
	const patched = res as unknown as Record<string, unknown>;
	Object.assign(patched, overrides);
	try {
		await serve();
	} finally {
		for (const name of Object.keys(overrides)) delete patched[name]; // back to ServerResponse.prototype
	}
	return { status, headers: { ...res.getHeaders(), ...headers }, body: Buffer.concat(chunks) };
}

/** Sends a captured answer's status and headers, with the real body's full Content-Length. */
function sendHead(res: ServerResponse, answer: CapturedAnswer): void {
	const headers: OutgoingHttpHeaders = {};
	for (const [name, value] of Object.entries(answer.headers)) {
		if (value !== undefined && name.toLowerCase() !== 'content-length') headers[name] = value;
	}
	headers['Content-Length'] = String(answer.body.length);
	res.writeHead(answer.status, headers);
}

/** Sends what is already written (after `part`, if any), then destroys the socket. */
function cutOff(res: ServerResponse, part?: Buffer): void {
	const socket = res.socket;
	if (!socket || socket.destroyed) return;
	if (part?.length) res.write(part);
	else res.flushHeaders();
	// end() flushes everything written so far; only then is the connection torn down.
	socket.once('finish', () => socket.destroy());
	socket.end();
}

export class FaultResponder {
	private readonly live = new Set<() => void>();
	private aborter = new AbortController();

	/** How many hanging or trickling connections are open. */
	get liveCount(): number {
		return this.live.size;
	}

	/**
	 * Serves one request with `fault` applied; `serve` answers it normally into target.res.
	 * Resolves once the answer's fate is set: answered, headers sent (a trickle goes on in the
	 * background), dropped, or left hanging.
	 */
	async serve(fault: RequestFault | undefined, target: FaultTarget, serve: () => Promise<void>): Promise<void> {
		const { req, res } = target;
		switch (fault?.type) {
			case undefined:
				return serve();
			case 'delay':
				try {
					await sleep(fault.ms, undefined, { signal: this.aborter.signal });
				} catch {
					res.socket?.destroy(); // the emulator is closing
					req.resume();
					return;
				}
				return serve();
			case 'drop':
				res.socket?.destroy();
				req.resume();
				return;
			case 'http':
				this.sendHttpFault(fault, target);
				req.resume();
				return;
			case 'respond': {
				const headers: Record<string, string> = {};
				if (fault.contentType !== undefined || fault.body !== '') headers['Content-Type'] = fault.contentType ?? 'application/json';
				for (const [name, value] of Object.entries(fault.headers ?? {})) {
					for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
					headers[name] = expandPlaceholders(value, target.placeholders);
				}
				sendBody(res, fault.status ?? 200, expandPlaceholders(fault.body, target.placeholders), headers);
				req.resume();
				return;
			}
			case 'hang':
				this.hang(res);
				return;
			case 'truncate':
			case 'resetAfterHeaders':
			case 'trickle': {
				const answer = await captureAnswer(res, serve);
				if (!res.socket || res.socket.destroyed) return; // the client went away meanwhile
				sendHead(res, answer);
				if (fault.type === 'trickle') return this.trickle(res, answer.body, fault.bytesPerSecond ?? 1);
				const size = answer.body.length;
				const keep = fault.type === 'truncate' ? Math.min(fault.keepBytes ?? Math.floor(size / 2), Math.max(0, size - 1)) : 0;
				cutOff(res, answer.body.subarray(0, keep));
				return;
			}
		}
	}

	/** Ends every hanging and trickling connection and every pending delay now. */
	endAll(): void {
		this.aborter.abort();
		this.aborter = new AbortController();
		for (const end of [...this.live]) end();
	}

	private sendHttpFault(fault: Extract<RequestFault, { type: 'http' }>, { host, res, placeholders }: FaultTarget): void {
		const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
		if (fault.body !== undefined) {
			const contentType = fault.contentType ?? (host === 'storage' ? 'application/xml; charset=UTF-8' : 'application/json');
			sendBody(res, fault.status, expandPlaceholders(fault.body, placeholders), { 'Content-Type': contentType, ...headers });
		} else if (host === 'storage') {
			const code = storageErrorCode(fault.status);
			const message = code === 'InternalError' || code === 'SlowDown' ? 'We encountered an internal error. Please try again.' : `The request failed (HTTP ${fault.status}).`;
			sendBody(res, fault.status, storageErrorXml(code, message), { 'Content-Type': 'application/xml; charset=UTF-8', ...headers });
		} else {
			const error = apiError(fault.status);
			sendRoboflowError(res, fault.status, error.type, error.message, error.hint, headers);
		}
	}

	/** Leaves the connection open, unanswered and unread, until the client or endAll() ends it. */
	private hang(res: ServerResponse): void {
		const socket = res.socket;
		if (!socket || socket.destroyed) return;
		const end = (): void => {
			this.live.delete(end);
			socket.destroy();
		};
		this.live.add(end);
		socket.once('close', end);
	}

	/** Sends `body` at `bytesPerSecond` on a chain of real timers; stops when the connection goes. */
	private trickle(res: ServerResponse, body: Buffer, bytesPerSecond: number): void {
		res.flushHeaders();
		if (body.length === 0) {
			res.end();
			return;
		}
		// One tick a second for slow rates (1 B/s: a byte a second), at most 20 a second for fast ones.
		const tickMs = Math.min(1000, Math.max(50, 1000 / bytesPerSecond));
		let sent = 0;
		let credit = 0;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let done = false;
		const stop = (): void => {
			if (timer) clearTimeout(timer);
			timer = undefined;
			this.live.delete(end);
			res.off('close', end);
		};
		const end = (): void => {
			if (done) return;
			done = true;
			stop();
			res.socket?.destroy();
		};
		const tick = (): void => {
			timer = undefined;
			if (done) return;
			credit += (bytesPerSecond * tickMs) / 1000;
			const count = Math.min(Math.floor(credit), body.length - sent);
			if (count > 0) {
				res.write(body.subarray(sent, sent + count));
				sent += count;
				credit -= count;
			}
			if (sent >= body.length) {
				done = true;
				stop();
				res.end();
				return;
			}
			timer = setTimeout(tick, tickMs);
		};
		this.live.add(end);
		res.once('close', end); // the client went away, or the emulator closed the socket
		timer = setTimeout(tick, tickMs);
	}
}
