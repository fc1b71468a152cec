import type { INode } from 'n8n-workflow';

import { RoboflowRequestError, readErrorBody, type RequestErrorDetails, type Step } from './errors';
import {
	asTransportFailure,
	headerValue,
	sendOnce,
	streamOnce,
	TransportFailure,
	type Consumed,
	type HttpAnswer,
	type HttpContext,
	type RequestBody,
	type ResponseBody,
} from './http';
import { parseRetryAfter, transferDeadlineMs, transferPolicy } from './policy';
import { describeUrl } from './redact';
import { withRetries } from './retry';
import { knownSecrets } from './secrets';

/**
 * Signed storage URLs authorise themselves through their query string, so these requests
 * carry no credential: the Roboflow API key never travels to the storage host. Both are
 * idempotent (a PUT to the same name, a GET), so they are retried on passing faults.
 */

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

interface Where {
	node: INode;
	step: Step;
	action: string;
	itemIndex: number;
	/** The API key: storage never receives it, but a hostile answer must not be able to show it either. */
	secrets: string[];
	location: string;
}

function storageError(where: Where, n: number, extra: Partial<RequestErrorDetails>): RoboflowRequestError {
	const { node, ...rest } = where;
	return new RoboflowRequestError(node, { ...rest, attempts: n, cause: 'http', ...extra });
}

function failedAnswer(where: Where, n: number, answer: HttpAnswer) {
	const retryAfterMs = parseRetryAfter(headerValue(answer.headers, 'retry-after'));
	return {
		error: storageError(where, n, { statusCode: answer.statusCode, retryAfterMs, ...readErrorBody(answer.body.toString('utf8'), where.secrets) }),
		retryable: RETRYABLE_STATUS.has(answer.statusCode),
		retryAfterMs,
	};
}

/** A request that got no complete answer: worth another attempt unless the execution was canceled. */
function noAnswer(where: Where, n: number, caught: unknown, deadlineMs: number) {
	const failure = asTransportFailure(caught);
	return {
		error: storageError(where, n, { cause: failure.kind, networkCode: failure.code, deadlineMs }),
		retryable: failure.kind !== 'canceled',
	};
}

/**
 * PUTs a video to a signed URL. Each attempt opens a fresh body (a stream can be read once) and
 * closes it afterwards, also when storage answered before reading it all.
 */
export async function uploadToSignedUrl(
	this: HttpContext,
	signedUrl: string,
	openBody: () => Promise<RequestBody>,
	sizeBytes: number,
	itemIndex: number,
): Promise<void> {
	const where: Where = { node: this.getNode(), step: 'upload', action: 'uploading the video', itemIndex, secrets: await knownSecrets(this), location: describeUrl(signedUrl) };
	const deadlineMs = transferDeadlineMs(sizeBytes);
	await withRetries<void>(this, async (n) => {
		const body = await openBody();
		try {
			const answer = await sendOnce(
				this,
				{
					method: 'PUT',
					url: signedUrl,
					// Readable bodies are streamed by n8n's helper; the type only names Buffer-like bodies.
					body: body as unknown as Buffer,
					headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(sizeBytes) },
				},
				deadlineMs,
			);
			if (answer.statusCode >= 200 && answer.statusCode < 300) return {};
			return failedAnswer(where, n, answer);
		} catch (caught) {
			return noAnswer(where, n, caught, deadlineMs);
		} finally {
			if (!Buffer.isBuffer(body)) body.destroy();
		}
	});
}

/**
 * Downloads a file through a signed URL, handing the body to `consume` as it streams in (see
 * streamOnce): a file of any size passes through without being held in memory. Retried as a
 * whole on passing faults; what `consume` throws about the file itself is not retried.
 */
export async function streamFromSignedUrl<T>(
	this: HttpContext,
	signedUrl: string,
	action: string,
	itemIndex: number,
	consume: (body: ResponseBody, contentLength: number | undefined) => Promise<Consumed<T>>,
): Promise<T> {
	const where: Where = { node: this.getNode(), step: 'results', action, itemIndex, secrets: await knownSecrets(this), location: describeUrl(signedUrl) };
	return await withRetries<T>(this, async (n) => {
		let deadlineMs = transferPolicy.apiDeadlineMs;
		try {
			const answer = await streamOnce(
				this,
				{ method: 'GET', url: signedUrl },
				transferPolicy.apiDeadlineMs,
				(length) => {
					// Without a Content-Length the size is unknown: allow for a large file.
					deadlineMs = transferDeadlineMs(length ?? 512 * 1024 * 1024);
					return deadlineMs;
				},
				consume,
			);
			if (answer.ok) return { value: answer.value };
			return failedAnswer(where, n, { statusCode: answer.statusCode, headers: answer.headers, body: answer.body });
		} catch (caught) {
			// What the reader found wrong with the file itself: another download would not help.
			if (!(caught instanceof TransportFailure)) return { error: caught as Error, retryable: false };
			return noAnswer(where, n, caught, deadlineMs);
		}
	});
}
