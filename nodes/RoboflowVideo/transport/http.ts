import type { IExecuteFunctions, IHttpRequestOptions, ILoadOptionsFunctions } from 'n8n-workflow';

/**
 * One HTTP exchange with a deadline for the whole answer, first byte to last. n8n's own
 * timeout option is an idle timeout (a server sending a byte a second never trips it), and
 * community nodes may not use timers, so the deadline is an AbortSignal.timeout that aborts
 * the request. Errors never carry the request URL: the API key and signed URLs live in it.
 */

export type HttpContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface HttpAnswer {
	statusCode: number;
	headers: Record<string, unknown>;
	body: Buffer;
}

/** Readable body of a request, as n8n's binary helpers hand it out (typed without importing 'stream'). */
export type RequestBody = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>> | Buffer;

export type FailureKind = 'timeout' | 'network' | 'canceled';

/** A request that got no (complete) answer. Its message is ours, never the library's. */
export class TransportFailure extends Error {
	constructor(
		readonly kind: FailureKind,
		/** A network error code such as ECONNRESET, when there is one. */
		readonly code?: string,
	) {
		super(kind === 'network' ? `network error${code ? ` ${code}` : ''}` : kind);
		this.name = 'TransportFailure';
	}
}

/** sendOnce and downloadOnce throw only TransportFailures; this keeps callers' types honest. */
export function asTransportFailure(error: unknown): TransportFailure {
	return error instanceof TransportFailure ? error : new TransportFailure('network');
}

/** Codes that mean the request never reached the server, so even a non-idempotent one may be sent again. */
export const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function cancelSignalOf(ctx: HttpContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

/** Aborts `controller` after `ms` unless disarmed first. */
function armDeadline(ms: number, controller: AbortController, onExpire: () => void): () => void {
	const timer = AbortSignal.timeout(Math.max(1, Math.round(ms)));
	const expire = () => {
		onExpire();
		controller.abort();
	};
	timer.addEventListener('abort', expire, { once: true });
	return () => timer.removeEventListener('abort', expire);
}

function toBuffer(body: unknown): Buffer {
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	if (body === undefined || body === null) return Buffer.alloc(0);
	return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function classify(error: unknown, timedOut: boolean, canceled: boolean): TransportFailure {
	if (canceled) return new TransportFailure('canceled');
	if (timedOut) return new TransportFailure('timeout');
	const e = error as { code?: unknown; cause?: { code?: unknown } };
	const raw = [e?.code, e?.cause?.code].find((c) => typeof c === 'string' && /^[A-Z][A-Z0-9_]+$/.test(c)) as string | undefined;
	if (raw === 'ECONNABORTED' || raw === 'ETIMEDOUT' || raw === 'ESOCKETTIMEDOUT') return new TransportFailure('timeout');
	// axios reports a body cut short ("stream has been aborted") as ERR_BAD_RESPONSE.
	return new TransportFailure('network', raw === 'ERR_BAD_RESPONSE' ? 'ECONNRESET' : raw);
}

interface Exchange {
	controller: AbortController;
	timedOut: () => boolean;
	canceled: () => boolean;
	rearm: (ms: number) => void;
	dispose: () => void;
}

function startExchange(ctx: HttpContext, deadlineMs: number): Exchange {
	const controller = new AbortController();
	const cancel = cancelSignalOf(ctx);
	const onCancel = () => controller.abort();
	if (cancel?.aborted) controller.abort();
	cancel?.addEventListener('abort', onCancel, { once: true });
	let timedOut = false;
	let disarm = armDeadline(deadlineMs, controller, () => (timedOut = true));
	return {
		controller,
		timedOut: () => timedOut,
		canceled: () => cancel?.aborted ?? false,
		rearm: (ms) => {
			disarm();
			disarm = armDeadline(ms, controller, () => (timedOut = true));
		},
		dispose: () => {
			disarm();
			cancel?.removeEventListener('abort', onCancel);
		},
	};
}

const ALWAYS: Partial<IHttpRequestOptions> = {
	returnFullResponse: true,
	// Every status comes back as an answer: the caller reads it, no library error carries the URL.
	ignoreHttpStatusErrors: true,
	// Neither Roboflow's API nor signed storage URLs redirect; following one would also send the
	// key's query string on, and buffer a streamed upload in memory.
	disableFollowRedirect: true,
	json: false,
};

/** Sends one request and reads the whole answer within `deadlineMs`. */
export async function sendOnce(ctx: HttpContext, options: IHttpRequestOptions, deadlineMs: number): Promise<HttpAnswer> {
	const exchange = startExchange(ctx, deadlineMs);
	try {
		const response = (await ctx.helpers.httpRequest({
			...options,
			...ALWAYS,
			encoding: 'arraybuffer',
			timeout: deadlineMs,
			abortSignal: exchange.controller.signal,
		})) as { statusCode: number; headers?: Record<string, unknown>; body?: unknown };
		return { statusCode: response.statusCode, headers: response.headers ?? {}, body: toBuffer(response.body) };
	} catch (error) {
		throw classify(error, exchange.timedOut(), exchange.canceled());
	} finally {
		exchange.dispose();
	}
}

/** A response body as n8n's helper hands it out: a Readable, typed without importing 'stream'. */
export type ResponseBody = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>>;

/** What a body's reader made of it, and how many bytes it read (checked against Content-Length). */
export interface Consumed<T> {
	value: T;
	bytes: number;
}

/** An answer whose 2xx body went to a reader; other answers' bodies are read whole (for their error). */
export type StreamedAnswer<T> = { statusCode: number; headers: Record<string, unknown> } & (
	| { ok: true; value: T; contentLength?: number }
	| { ok: false; body: Buffer }
);

/** Error answers are read for their message only, never more than this. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/**
 * Streams a body to `consume` as it arrives: the answer must start within `headerDeadlineMs`,
 * then the body has `bodyDeadlineMs(Content-Length)` to arrive and be read in full. A body
 * shorter than its Content-Length, or cut off, is a TransportFailure, never a result. An error
 * thrown by `consume` itself (the body was not what it should be) is passed on unchanged.
 */
export async function streamOnce<T>(
	ctx: HttpContext,
	options: IHttpRequestOptions,
	headerDeadlineMs: number,
	bodyDeadlineMs: (contentLength: number | undefined) => number,
	consume: (body: ResponseBody, contentLength: number | undefined) => Promise<Consumed<T>>,
): Promise<StreamedAnswer<T>> {
	const exchange = startExchange(ctx, headerDeadlineMs);
	let body: ResponseBody | undefined;
	try {
		const response = (await ctx.helpers.httpRequest({
			...options,
			...ALWAYS,
			encoding: 'stream',
			timeout: headerDeadlineMs,
			abortSignal: exchange.controller.signal,
		})) as { statusCode: number; headers?: Record<string, unknown>; body: ResponseBody };
		body = response.body;
		const headers = response.headers ?? {};
		const declared = Number(headers['content-length']);
		const contentLength = Number.isInteger(declared) && declared >= 0 ? declared : undefined;
		exchange.rearm(bodyDeadlineMs(contentLength));
		if (response.statusCode < 200 || response.statusCode >= 300) {
			return { ok: false, statusCode: response.statusCode, headers, body: await readUpTo(body, MAX_ERROR_BODY_BYTES) };
		}
		const { value, bytes } = await consume(body, contentLength);
		if (exchange.timedOut() || exchange.canceled()) throw new Error('aborted');
		// A body cut short without the connection saying so.
		if (contentLength !== undefined && bytes < contentLength) throw new TransportFailure('network', 'ECONNRESET');
		return { ok: true, statusCode: response.statusCode, headers, value, contentLength };
	} catch (error) {
		throw streamFailure(error, exchange, body);
	} finally {
		body?.destroy();
		exchange.dispose();
	}
}

/**
 * Whose failure it was: the network's (a TransportFailure) when the exchange timed out, was
 * canceled or its body broke, whatever the reader then threw; else the reader's own error.
 */
function streamFailure(error: unknown, exchange: Exchange, body: ResponseBody | undefined): unknown {
	if (error instanceof TransportFailure) return error;
	const broken = exchange.timedOut() || exchange.canceled() || body === undefined || bodyFailed(body) || prematureClose(error);
	if (!broken) return error;
	return classify((body as { errored?: unknown } | undefined)?.errored ?? error, exchange.timedOut(), exchange.canceled());
}

/**
 * The body stream broke (reset, cut off): a transport failure, whatever its reader then threw. A
 * reader that stops early (it threw) destroys the stream itself with an AbortError: not a failure.
 */
function bodyFailed(body: ResponseBody): boolean {
	const errored = (body as { errored?: { code?: unknown } | null }).errored;
	return Boolean(errored) && errored?.code !== 'ABORT_ERR';
}

/** The body ended before its end without an error of its own (e.g. the socket closed). */
function prematureClose(error: unknown): boolean {
	return (error as { code?: unknown })?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

async function readUpTo(body: ResponseBody, maxBytes: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let received = 0;
	for await (const chunk of body) {
		const buffer = toBuffer(chunk);
		chunks.push(buffer.subarray(0, maxBytes - received));
		received += Math.min(buffer.length, maxBytes - received);
		if (received >= maxBytes) break;
	}
	return Buffer.concat(chunks, received);
}

export function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' ? value : undefined;
}
