/**
 * The error answers of an `http` or `respond` fault that replaces the real answer: each host
 * in its own dialect (Roboflow's JSON error on the API host, GCS XML on the storage host).
 */
import type { ServerResponse } from 'node:http';
import { AUTH_ERROR } from './http-util';

/** The storage host's GCS error code for a status. */
export function storageErrorCode(status: number): string {
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
export function apiError(status: number): { type: string; message: string; hint: string } {
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

export function sendBody(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
	const bytes = Buffer.from(body, 'utf8');
	const hasBody = status !== 204 && status !== 304;
	const all: Record<string, string> = { ...headers };
	if (hasBody && !Object.keys(all).some((name) => name.toLowerCase() === 'content-length')) all['Content-Length'] = String(bytes.length);
	res.writeHead(status, all);
	res.end(hasBody ? bytes : undefined);
}
