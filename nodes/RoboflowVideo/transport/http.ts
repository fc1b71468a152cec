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

/**
 * Downloads a body whose size is only known from its headers: the answer must start within
 * `headerDeadlineMs`, then the body has `bodyDeadlineMs(Content-Length)` to arrive in full.
 * A body shorter than its Content-Length is a failure, never a result.
 */
export async function downloadOnce(
	ctx: HttpContext,
	options: IHttpRequestOptions,
	headerDeadlineMs: number,
	bodyDeadlineMs: (contentLength: number | undefined) => number,
): Promise<HttpAnswer & { contentLength?: number }> {
	const exchange = startExchange(ctx, headerDeadlineMs);
	try {
		const response = (await ctx.helpers.httpRequest({
			...options,
			...ALWAYS,
			encoding: 'stream',
			timeout: headerDeadlineMs,
			abortSignal: exchange.controller.signal,
		})) as { statusCode: number; headers?: Record<string, unknown>; body: AsyncIterable<Buffer> & { destroy?: () => void } };
		const headers = response.headers ?? {};
		const declared = Number(headers['content-length']);
		const contentLength = Number.isInteger(declared) && declared >= 0 ? declared : undefined;
		exchange.rearm(bodyDeadlineMs(contentLength));
		const chunks: Buffer[] = [];
		let received = 0;
		try {
			for await (const chunk of response.body) {
				const buffer = toBuffer(chunk);
				chunks.push(buffer);
				received += buffer.length;
			}
		} finally {
			response.body.destroy?.();
		}
		if (exchange.timedOut() || exchange.canceled()) throw new Error('aborted');
		if (contentLength !== undefined && received < contentLength) {
			throw Object.assign(new Error('body shorter than Content-Length'), { code: 'ECONNRESET' });
		}
		return { statusCode: response.statusCode, headers, body: Buffer.concat(chunks, received), contentLength };
	} catch (error) {
		throw classify(error, exchange.timedOut(), exchange.canceled());
	} finally {
		exchange.dispose();
	}
}

export function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' ? value : undefined;
}
