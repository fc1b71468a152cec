import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { redactText } from '../helpers/redact';

export const CREDENTIAL_NAME = 'roboflowApi';
export const DEFAULT_BASE_URL = 'https://api.roboflow.com';

export type RoboflowContext = IExecuteFunctions | ILoadOptionsFunctions;

interface RequestOptions {
	body?: IDataObject;
	qs?: IDataObject;
	itemIndex?: number;
	/** What the user was trying to do, for the error message: "starting the inference job". */
	action: string;
}

export function normalizeBaseUrl(value: unknown): string {
	const raw = typeof value === 'string' && value.trim() !== '' ? value.trim() : DEFAULT_BASE_URL;
	return raw.replace(/\/+$/, '');
}

/**
 * Calls the Roboflow API with the credential's key. n8n's helper adds the key as the
 * api_key query parameter; any error is rebuilt from scratch so neither the key nor the
 * request URL that carries it can leave the node.
 */
export async function roboflowApiRequest(
	this: RoboflowContext,
	method: IHttpRequestMethods,
	endpoint: string,
	{ body, qs, itemIndex, action }: RequestOptions,
): Promise<IDataObject> {
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	const options: IHttpRequestOptions = {
		method,
		baseURL: normalizeBaseUrl(credentials.baseUrl),
		url: endpoint,
		qs,
		body,
		json: true,
	};
	try {
		return (await this.helpers.httpRequestWithAuthentication.call(
			this,
			CREDENTIAL_NAME,
			options,
		)) as IDataObject;
	} catch (error) {
		throw toSafeApiError(this.getNode(), error, {
			action,
			itemIndex,
			secrets: [credentials.apiKey as string],
		});
	}
}

export interface HttpFailure {
	httpCode?: number;
	body?: unknown;
	retryAfterSeconds?: number;
	networkCode?: string;
	message: string;
}

/** Reads status, body and Retry-After from whichever error shape n8n's helpers threw. */
export function readHttpFailure(error: unknown): HttpFailure {
	const e = error as IDataObject & {
		cause?: IDataObject & { response?: IDataObject; code?: string };
		response?: IDataObject;
		context?: IDataObject;
	};
	const response = (e?.response ?? e?.cause?.response) as
		| { status?: number; data?: unknown; headers?: Record<string, unknown> }
		| undefined;
	const rawCode = e?.httpCode ?? response?.status ?? (e?.statusCode as number | undefined);
	const httpCode = rawCode !== undefined && rawCode !== null ? Number(rawCode) : undefined;
	const retryAfter = response?.headers?.['retry-after'];
	const retryAfterSeconds =
		retryAfter !== undefined && !Number.isNaN(Number(retryAfter)) ? Number(retryAfter) : undefined;
	const networkCode = (e?.code ?? e?.cause?.code) as string | undefined;
	return {
		httpCode: Number.isFinite(httpCode) ? httpCode : undefined,
		body: response?.data ?? e?.context?.data,
		retryAfterSeconds,
		networkCode: typeof networkCode === 'string' && /^E[A-Z]+$/.test(networkCode) ? networkCode : undefined,
		message: typeof e?.message === 'string' ? e.message : String(error),
	};
}

/** Roboflow's error shape is {"error": {"message", "type", "hint"}}; job failures use "message". */
export function roboflowErrorMessage(body: unknown): { message?: string; hint?: string } {
	if (typeof body === 'string') return { message: body.slice(0, 500) };
	if (!body || typeof body !== 'object') return {};
	const b = body as IDataObject;
	const inner = b.error;
	if (inner && typeof inner === 'object') {
		const obj = inner as IDataObject;
		return {
			message: typeof obj.message === 'string' ? obj.message : undefined,
			hint: typeof obj.hint === 'string' ? obj.hint : undefined,
		};
	}
	// Job failures are undocumented: keep both a message and an error name when both come.
	const message = typeof b.message === 'string' ? b.message : undefined;
	const name = typeof inner === 'string' ? inner : undefined;
	if (message && name && !message.includes(name)) return { message: `${message} (${name})` };
	return message || name ? { message: message ?? name } : {};
}

const FIX_BY_STATUS: Record<number, string> = {
	400: 'Check the node\'s parameters against the message above.',
	401: 'Check the API key in the Roboflow API credential (Roboflow: Settings → API Keys).',
	403: 'Check that this API key\'s workspace may use hosted video inference.',
	404: 'Check the job ID or model ID: Roboflow does not know it under this API key.',
	429: 'Roboflow allows one status check per job per minute. Wait a minute, or use Wait For Result, which keeps to that limit.',
};

export function toSafeApiError(
	node: INode,
	error: unknown,
	{ action, itemIndex, secrets = [] }: { action: string; itemIndex?: number; secrets?: Array<string | undefined> },
): NodeApiError {
	const failure = readHttpFailure(error);
	const { message: apiMessage, hint } = roboflowErrorMessage(failure.body);
	const scrub = (text: string) => redactText(text, secrets);

	let message: string;
	let description: string;
	if (failure.httpCode) {
		message = `Roboflow answered HTTP ${failure.httpCode} while ${action}${apiMessage ? `: ${apiMessage}` : ''}`;
		const retry =
			failure.retryAfterSeconds !== undefined ? ` Roboflow asks to retry after ${failure.retryAfterSeconds} s.` : '';
		description = [hint, FIX_BY_STATUS[failure.httpCode] ?? (failure.httpCode >= 500 ? 'Roboflow had a problem on its side. Try again later, or turn on Retry On Fail in the node\'s settings.' : undefined)]
			.filter(Boolean)
			.join(' ') + retry;
	} else {
		// A network code in the message would make n8n swap the message for its generic one.
		message = `Could not reach Roboflow while ${action}`;
		description = `Check the Base URL in the Roboflow API credential and the network between n8n and Roboflow. Details: ${failure.networkCode ? `${failure.networkCode}: ` : ''}${failure.message}`;
	}

	const safe: JsonObject = {
		message: scrub(message),
		description: scrub(description.trim()),
		httpCode: failure.httpCode ? String(failure.httpCode) : null,
	};
	if (failure.body && typeof failure.body === 'object') {
		safe.body = JSON.parse(scrub(JSON.stringify(failure.body))) as JsonObject;
	}
	const apiError = new NodeApiError(node, safe, {
		message: safe.message as string,
		description: safe.description as string,
		httpCode: failure.httpCode ? String(failure.httpCode) : undefined,
		itemIndex,
	});
	// Kept for callers that treat a 429 as "not yet" and must honour Roboflow's Retry-After.
	if (failure.retryAfterSeconds !== undefined) apiError.context.retryAfterSeconds = failure.retryAfterSeconds;
	return apiError;
}
