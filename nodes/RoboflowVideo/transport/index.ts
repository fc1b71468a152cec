import type { IDataObject, IHttpRequestMethods } from 'n8n-workflow';

import { RoboflowRequestError, readErrorBody, type Step } from './errors';
import { asTransportFailure, headerValue, NOT_SENT_CODES, sendOnce, type HttpContext } from './http';
import { parseRetryAfter, transferPolicy } from './policy';
import { describeBody, redactJson } from './redact';
import { withRetries } from './retry';
import { CREDENTIAL_NAME } from './secrets';

export { RoboflowRequestError, unreadableAnswer, type Step } from './errors';
export type { HttpContext } from './http';

export { CREDENTIAL_NAME, knownSecrets } from './secrets';
export const DEFAULT_BASE_URL = 'https://api.roboflow.com';

/** Statuses worth another attempt of an idempotent request. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface ApiCall {
	method: IHttpRequestMethods;
	endpoint: string;
	step: Step;
	/** "checking job 123": what the user's node was doing, for error messages. */
	action: string;
	body?: IDataObject;
	qs?: IDataObject;
	itemIndex?: number;
	/**
	 * Whether sending the request twice is harmless. Starting a job is not (each job is billed):
	 * it is repeated only when the first attempt surely never reached Roboflow.
	 */
	idempotent: boolean;
	/** Top-level answer fields that are signed URLs the next step needs, kept unredacted. */
	keepFields?: string[];
}

export function normalizeBaseUrl(value: unknown): string {
	const raw = typeof value === 'string' && value.trim() !== '' ? value.trim() : DEFAULT_BASE_URL;
	return raw.replace(/\/+$/, '');
}

/**
 * Calls the Roboflow API and returns its JSON answer, with every text in it redacted (but the
 * signed URLs named in keepFields). The key is added to the query string exactly as the
 * credential's authenticate block does; n8n's authenticated helper is not used because it
 * replaces any abort signal with the execution's own, and a deadline for the whole answer
 * needs one.
 */
export async function roboflowApiRequest(this: HttpContext, call: ApiCall): Promise<IDataObject> {
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
	const secrets = [apiKey];
	const fail = (n: number, extra: Partial<ConstructorParameters<typeof RoboflowRequestError>[1]>) =>
		new RoboflowRequestError(this.getNode(), {
			step: call.step,
			action: call.action,
			itemIndex: call.itemIndex,
			attempts: n,
			cause: 'http',
			secrets,
			...extra,
		});

	return await withRetries<IDataObject>(this, async (n) => {
		let answer;
		try {
			answer = await sendOnce(
				this,
				{
					method: call.method,
					baseURL: normalizeBaseUrl(credentials.baseUrl),
					url: call.endpoint,
					qs: { ...(call.qs ?? {}), api_key: apiKey },
					body: call.body,
					headers: { Accept: 'application/json' },
				},
				transferPolicy.apiDeadlineMs,
			);
		} catch (caught) {
			const error = asTransportFailure(caught);
			const safeToRepeat = call.idempotent || (error.kind === 'network' && NOT_SENT_CODES.has(error.code ?? ''));
			return {
				error: fail(n, { cause: error.kind, networkCode: error.code, deadlineMs: transferPolicy.apiDeadlineMs }),
				retryable: error.kind !== 'canceled' && safeToRepeat,
			};
		}

		const text = answer.body.toString('utf8');
		if (answer.statusCode < 200 || answer.statusCode >= 300) {
			const retryAfterMs = parseRetryAfter(headerValue(answer.headers, 'retry-after'));
			// A 429 means Roboflow refused the request, so even a job start may be sent again, but
			// only when Roboflow says when: a status check repeated on a guess could break the
			// one-check-a-minute rule.
			const rateLimited = answer.statusCode === 429;
			const safeToRepeat = rateLimited ? retryAfterMs !== undefined : call.idempotent;
			return {
				error: fail(n, { statusCode: answer.statusCode, retryAfterMs, ...readErrorBody(text, secrets) }),
				retryable: safeToRepeat && RETRYABLE_STATUS.has(answer.statusCode),
				retryAfterMs,
			};
		}

		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
			const problem = text.trim() === '' ? 'the answer is empty' : parsed === undefined ? 'it is not JSON' : 'it is not a JSON object';
			return { error: fail(n, { cause: 'unreadable', statusCode: answer.statusCode, problem, answer: describeBody(text, secrets) }) };
		}
		return { value: redactJson(parsed as IDataObject, secrets, new Set(call.keepFields ?? [])) };
	});
}
