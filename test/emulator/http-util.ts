/**
 * Small HTTP helpers shared by the emulator's API and storage hosts:
 * reading bounded JSON bodies, Roboflow's error shape, and the request record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorEndpoint, EmulatorHost, Fault } from './faults';

export interface RecordedRequest {
	at: number;
	host: EmulatorHost;
	method: string;
	/** Path without the query string. */
	path: string;
	/** Every query parameter as received (so a test can prove no api_key reached the storage host). */
	query: Record<string, string>;
	headers: Record<string, string>;
	/** Parsed JSON for API calls with a body; {bytes} for uploads. */
	body?: unknown;
	/** 0 when no answer was sent (dropped, hanging, or the client went away). */
	status: number;
	jobId?: string;
	/** Which route the request was for, as fault rules match it. */
	endpoint?: EmulatorEndpoint;
	/** The request fault applied to this request, if one was. */
	fault?: Fault['type'];
}

/** Bodies of API calls are small JSON documents; anything bigger is refused, not buffered. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY_BYTES): Promise<string> {
	const chunks: Buffer[] = [];
	let total = 0;
	for await (const chunk of req) {
		total += (chunk as Buffer).length;
		if (total > limit) throw new BodyTooLargeError(`Request body exceeds ${limit} bytes.`);
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** The request's absolute URL as received (Host header, raw path and query); `origin` if there is no Host. */
export function absoluteRequestUrl(req: IncomingMessage, origin: string): string {
	const host = req.headers.host;
	return `${host ? `http://${host}` : origin}${req.url ?? '/'}`;
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
	}
	return headers;
}

export function queryObject(params: URLSearchParams): Record<string, string> {
	const query: Record<string, string> = {};
	for (const [name, value] of params) query[name] = value;
	return query;
}

export function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
	const body = JSON.stringify(payload);
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
	res.end(body);
}

/**
 * Roboflow's error document: {"error": {"message", "type", "hint"}}.
 * The 401 wording and type come from Roboflow's answers as captured in the
 * roboflow/inference test suite; the real 401 also echoes the key back in a
 * "key" field, which the emulator deliberately leaves out (keys never go into
 * error text here).
 */
export function sendRoboflowError(
	res: ServerResponse,
	status: number,
	type: string,
	message: string,
	hint: string,
	headers: Record<string, string> = {},
): void {
	sendJson(res, status, { error: { message, type, hint } }, headers);
}

export const AUTH_ERROR = {
	type: 'OAuthException',
	message: 'This API key does not exist (or has been revoked).',
	hint: 'You may retrieve your API key via the Roboflow Dashboard. Go to Account > Roboflow Keys to retrieve yours.',
};
