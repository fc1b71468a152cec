import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { transferPolicy } from './policy';
import { describeBody, redactJson, redactText } from './redact';

/**
 * What the node was doing when a request failed. The advice in an error depends on it: the
 * one-check-a-minute rule concerns status checks only, an expired link concerns storage only,
 * and a failed job start may still have created a billed job.
 */
export type Step = 'uploadLink' | 'upload' | 'startJob' | 'status' | 'results' | 'models';

export type FailureCause = 'http' | 'timeout' | 'network' | 'unreadable' | 'canceled';

const STORAGE_STEPS = new Set<Step>(['upload', 'results']);

export interface RequestErrorDetails {
	step: Step;
	/** "checking job 123": what the user's node was doing, for the message. */
	action: string;
	itemIndex?: number;
	cause: FailureCause;
	statusCode?: number;
	/** The answer's body, already reduced to safe text. */
	answer?: string;
	/** Roboflow's own message and hint from an error body, already redacted. */
	apiMessage?: string;
	apiHint?: string;
	/** A storage error code from its XML page, e.g. ExpiredToken. */
	storageCode?: string;
	networkCode?: string;
	retryAfterMs?: number;
	attempts: number;
	deadlineMs?: number;
	/** What is wrong with an answer that arrived but could not be read. */
	problem?: string;
	/** For storage requests: where the file is (scheme, host and path of the signed URL, no query). */
	location?: string;
	secrets: ReadonlyArray<string | undefined>;
}

/**
 * An n8n API error that also says, in typed fields, what kind of failure it was: callers such
 * as Wait For Result decide from `cause`, `transient` and `retryAfterMs` whether to try again
 * at the next check, without reading messages.
 */
export class RoboflowRequestError extends NodeApiError {
	readonly step: Step;

	readonly failedWith: FailureCause;

	readonly statusCode?: number;

	readonly retryAfterMs?: number;

	/** Whether the same request may well succeed later (rate limit, 5xx, network, timeout). */
	readonly transient: boolean;

	constructor(node: INode, details: RequestErrorDetails) {
		const words = wordsFor(details);
		const message = words.message;
		const description = details.location ? `${words.description} Storage location: ${details.location}` : words.description;
		const safe = {
			message: redactText(message, details.secrets),
			description: redactText(description, details.secrets),
			httpCode: details.statusCode ? String(details.statusCode) : null,
		};
		super(node, safe as JsonObject, {
			message: safe.message,
			description: safe.description,
			httpCode: details.statusCode ? String(details.statusCode) : undefined,
			itemIndex: details.itemIndex,
		});
		this.step = details.step;
		this.failedWith = details.cause;
		this.statusCode = details.statusCode;
		this.retryAfterMs = details.retryAfterMs;
		this.transient = isTransient(details);
	}
}

export function isTransient(details: Pick<RequestErrorDetails, 'cause' | 'statusCode'>): boolean {
	if (details.cause === 'timeout' || details.cause === 'network') return true;
	if (details.cause !== 'http' || details.statusCode === undefined) return false;
	return details.statusCode === 408 || details.statusCode === 429 || details.statusCode >= 500;
}

const NETWORK_WORDS: Record<string, string> = {
	ECONNREFUSED: 'the connection was refused (nothing answers at that address)',
	ENOTFOUND: 'the host name could not be found',
	EAI_AGAIN: 'the host name could not be looked up just now',
	ECONNRESET: 'the connection was cut before the whole answer arrived',
	EPIPE: 'the connection was closed while the request was being sent',
	EHOSTUNREACH: 'the host cannot be reached from this network',
	ENETUNREACH: 'the network is unreachable',
	CERT_HAS_EXPIRED: 'the server\'s TLS certificate has expired',
	DEPTH_ZERO_SELF_SIGNED_CERT: 'the server\'s TLS certificate is self-signed',
	ERR_TLS_CERT_ALTNAME_INVALID: 'the server\'s TLS certificate is for another host name',
};

const JOB_MAY_EXIST =
	'A job may have been created at Roboflow all the same, and each job is billed, so the node does not start it again by itself. Before you run this again, check your Roboflow workspace\'s usage for a job on this video. Do not turn on Retry On Fail for Start Inference: it can start a second job.';

function seconds(ms: number): string {
	return ms >= 120_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} s`;
}

function who(step: Step): string {
	return STORAGE_STEPS.has(step) ? 'Roboflow\'s storage' : 'Roboflow';
}

function wordsFor(d: RequestErrorDetails): { message: string; description: string } {
	const tried = d.attempts > 1 ? ` The node tried ${d.attempts} times.` : '';
	const startJob = d.step === 'startJob';
	switch (d.cause) {
		case 'canceled':
			return { message: `Stopped while ${d.action}: the execution was canceled`, description: startJob ? JOB_MAY_EXIST : 'Nothing more was sent.' };
		case 'timeout': {
			const message = `${who(d.step)} did not answer in time while ${d.action}`;
			const limit = d.deadlineMs ? `No complete answer arrived within ${seconds(d.deadlineMs)}.` : 'No complete answer arrived in time.';
			const advice: Record<Step, string> = {
				uploadLink: 'Roboflow may be slow or unreachable right now. Try again in a few minutes.',
				upload: `Uploads are given time for at least ${Math.round(transferPolicy.minBytesPerSecond / 1024)} KiB/s. Check the network between n8n and the internet, then run Upload Video again (it asks for a fresh upload link).`,
				startJob: JOB_MAY_EXIST,
				status: 'Roboflow may be slow right now. Wait For Result keeps checking by itself; Get Status can be run again in a minute.',
				results: 'Check the network between n8n and the internet, then run Get Status (with Download Results) or Wait For Result again: they fetch a fresh results link.',
				models: 'Roboflow may be slow right now: try again, or type the model as project/version.',
			};
			return { message, description: `${limit}${tried} ${advice[d.step]}` };
		}
		case 'network': {
			// An unknown code goes into the description: n8n may swap a message holding one for its own words.
			const words = (d.networkCode && NETWORK_WORDS[d.networkCode]) ?? 'a network error';
			const code = d.networkCode && !NETWORK_WORDS[d.networkCode] ? ` (Network error code: ${d.networkCode}.)` : '';
			const message = `Could not reach ${who(d.step)} while ${d.action}: ${words}`;
			const check = STORAGE_STEPS.has(d.step)
				? 'Check the network between n8n and the internet (a proxy or firewall may block the storage host).'
				: 'Check the Base URL in the Roboflow API credential (normally https://api.roboflow.com) and the network between n8n and Roboflow.';
			return { message, description: `${check}${code}${tried}${startJob && !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(d.networkCode ?? '') ? ` ${JOB_MAY_EXIST}` : ''}` };
		}
		case 'unreadable': {
			const message = `${who(d.step)}'s answer could not be read while ${d.action}: ${d.problem ?? 'it is not what the API sends'}`;
			const shown = d.answer ? ` The answer was: ${d.answer}` : '';
			const advice = startJob
				? JOB_MAY_EXIST
				: d.step === 'status'
					? 'This is usually a passing fault of Roboflow or of a proxy in between: Wait For Result checks again at its next check; Get Status can be run again in a minute. If it persists, check the Base URL in the credential.'
					: 'If the Base URL in the credential points at a proxy, check it; otherwise try again later.';
			return { message, description: `${advice}${shown}` };
		}
		case 'http':
		default:
			return httpWords(d, tried);
	}
}

function httpWords(d: RequestErrorDetails, tried: string): { message: string; description: string } {
	const code = d.statusCode ?? 0;
	const storage = STORAGE_STEPS.has(d.step);
	const detail = d.apiMessage ?? (d.storageCode ? undefined : d.answer && d.answer !== 'an empty answer' ? d.answer : undefined);
	const message = `${who(d.step)} answered HTTP ${code}${d.storageCode ? ` (${d.storageCode})` : ''} while ${d.action}${detail ? `: ${detail}` : ''}`;
	const retryAfter = d.retryAfterMs !== undefined ? ` ${who(d.step)} asks to wait ${seconds(d.retryAfterMs)} before trying again.` : '';
	let advice: string;
	if (storage && isExpiredLink(d)) {
		advice =
			d.step === 'upload'
				? 'The upload link has expired or was refused: run Upload Video again, which asks for a fresh one.'
				: 'The results link has expired or was refused: run Get Status (with Download Results) or Wait For Result again to get a fresh one.';
	} else if (storage && code === 404) {
		advice = 'The file is not at that link any more: run Get Status (with Download Results) or Wait For Result again to get a fresh link.';
	} else if (code === 429) {
		advice =
			d.step === 'status'
				? 'Roboflow allows one status check per job per minute. Wait a minute, or use Wait For Result, which keeps to that limit.'
				: `${who(d.step)} is limiting requests just now. Try again in a minute.`;
	} else if (code >= 500 || code === 408) {
		advice = d.step === 'startJob' ? JOB_MAY_EXIST : `${who(d.step)} had a problem on its side. Try again later.`;
	} else if (code >= 300 && code < 400) {
		advice = 'The Base URL in the Roboflow API credential redirects elsewhere: set it to the API\'s own address (normally https://api.roboflow.com).';
	} else if (code === 401) {
		advice = 'Check the API key in the Roboflow API credential (Roboflow: Settings → API Keys).';
	} else if (code === 403) {
		advice = 'Check that this API key\'s workspace may use hosted video inference, and that the model belongs to it.';
	} else if (code === 404) {
		advice =
			d.step === 'status'
				? 'Roboflow does not know this job under this API key: check the Job ID and that the credential is the workspace\'s that started it.'
				: 'Check the model IDs and the Base URL: Roboflow does not know them under this API key.';
	} else if (code === 413) {
		advice = 'The request is too large for Roboflow.';
	} else {
		advice = 'Check the node\'s parameters against the message above.';
	}
	return { message, description: [d.apiHint, advice].filter(Boolean).join(' ') + retryAfter + tried };
}

function isExpiredLink(d: RequestErrorDetails): boolean {
	if (d.statusCode !== 400 && d.statusCode !== 403 && d.statusCode !== 401) return false;
	return /expired|ExpiredToken|AccessDenied|SignatureDoesNotMatch|AuthenticationRequired/i.test(`${d.storageCode ?? ''} ${d.answer ?? ''}`) || d.statusCode === 403;
}

/**
 * A JSON answer that arrived whole but is not what the API sends (no job ID, no upload link, a
 * status no reference allows). The answer is shown for diagnosis, with every signed link and
 * key in it redacted, including fields transport kept for the next step.
 */
export function unreadableAnswer(
	node: INode,
	where: Pick<RequestErrorDetails, 'step' | 'action' | 'itemIndex'>,
	problem: string,
	answer: object,
): RoboflowRequestError {
	return new RoboflowRequestError(node, {
		...where,
		attempts: 1,
		cause: 'unreadable',
		problem,
		answer: describeBody(JSON.stringify(redactJson(answer, []))),
		secrets: [],
	});
}

/** Roboflow's error shapes: {"error": {"message", "hint"}}, {"error": "..."} or {"message": "..."}. */
export function readErrorBody(text: string, secrets: ReadonlyArray<string | undefined>): Pick<RequestErrorDetails, 'apiMessage' | 'apiHint' | 'storageCode' | 'answer'> {
	const answer = describeBody(text, secrets);
	const storageCode = /<Code>([A-Za-z0-9_.-]{1,64})<\/Code>/.exec(text)?.[1];
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return { answer, storageCode };
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { answer };
	const body = parsed as Record<string, unknown>;
	const inner = body.error;
	const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? describeBody(v, secrets) : undefined);
	if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
		const obj = inner as Record<string, unknown>;
		return { answer, apiMessage: pick(obj.message), apiHint: pick(obj.hint) };
	}
	return { answer, apiMessage: pick(body.message) ?? pick(inner) };
}
