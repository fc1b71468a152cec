/** Fetching a job's input video from a public URL, and keeping that URL's secrets out of messages. */
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';

const DOWNLOAD_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

/** Strips the query (signatures, keys) from a URL before it goes into any message. */
export function redactUrl(raw: string): string {
	try {
		const url = new URL(raw);
		return `${url.origin}${url.pathname}`;
	} catch {
		return '(invalid URL)';
	}
}

/** Streams a public video URL to disk (following redirects), never holding it in memory. */
export async function download(url: URL, destination: string, signal: AbortSignal, redirectsLeft = MAX_REDIRECTS): Promise<void> {
	const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
	if (!client) throw new Error(`unsupported protocol ${url.protocol}`);
	const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
		const request = client.get(url, { timeout: DOWNLOAD_TIMEOUT_MS, signal }, resolve);
		request.on('timeout', () => request.destroy(new Error('timed out')));
		request.on('error', reject);
	});
	const status = response.statusCode ?? 0;
	if (status >= 300 && status < 400 && response.headers.location) {
		response.resume();
		if (redirectsLeft === 0) throw new Error('too many redirects');
		return download(new URL(response.headers.location, url), destination, signal, redirectsLeft - 1);
	}
	if (status !== 200) {
		response.resume();
		throw new Error(`HTTP ${status}`);
	}
	await pipeline(response, createWriteStream(destination), { signal });
}
