/**
 * For faults that mangle the real answer (truncate, resetAfterHeaders, trickle): the handler
 * writes its answer into a capture instead of the socket, then the fault sends that answer's
 * status and headers, with its full Content-Length, and cuts or slows the body.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** The real answer as a handler wrote it. */
export interface CapturedAnswer {
	status: number;
	headers: OutgoingHttpHeaders;
	body: Buffer;
}

type Callback = (error?: Error | null) => void;

/** Runs `serve` with res.writeHead/write/end captured instead of sent; restores them afterwards. */
export async function captureAnswer(res: ServerResponse, serve: () => Promise<void>): Promise<CapturedAnswer> {
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
export function sendHead(res: ServerResponse, answer: CapturedAnswer): void {
	const headers: OutgoingHttpHeaders = {};
	for (const [name, value] of Object.entries(answer.headers)) {
		if (value !== undefined && name.toLowerCase() !== 'content-length') headers[name] = value;
	}
	headers['Content-Length'] = String(answer.body.length);
	res.writeHead(answer.status, headers);
}

/** Sends what is already written (after `part`, if any), then destroys the socket. */
export function cutOff(res: ServerResponse, part?: Buffer): void {
	const socket = res.socket;
	if (!socket || socket.destroyed) return;
	if (part?.length) res.write(part);
	else res.flushHeaders();
	// end() flushes everything written so far; only then is the connection torn down.
	socket.once('finish', () => socket.destroy());
	socket.end();
}
