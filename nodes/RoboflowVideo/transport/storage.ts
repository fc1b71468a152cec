import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { describeUrl, redactText } from '../helpers/redact';
import { readHttpFailure } from './index';

/**
 * Signed storage URLs authorise themselves through their query string, so these calls use
 * the plain request helper: the Roboflow API key must never travel to the storage host.
 */

export async function putToSignedUrl(
	this: IExecuteFunctions,
	signedUrl: string,
	body: Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>> | Buffer,
	sizeBytes: number,
	itemIndex: number,
): Promise<void> {
	const options: IHttpRequestOptions = {
		method: 'PUT',
		url: signedUrl,
		// Readable bodies are streamed by n8n's helper; the type only names Buffer-like bodies.
		body: body as unknown as IDataObject,
		headers: {
			'Content-Type': 'application/octet-stream',
			'Content-Length': String(sizeBytes),
		},
		// The redirect follower buffers the whole body to be able to replay it: a 1 GiB
		// video would sit in memory. Signed URLs do not redirect.
		disableFollowRedirect: true,
		returnFullResponse: true,
		json: false,
	};
	try {
		await this.helpers.httpRequest(options);
	} catch (error) {
		throw storageError(this.getNode(), error, 'uploading the video to Roboflow\'s storage', signedUrl, itemIndex, [
			'The upload link may have expired (they last a limited time): run Upload Video again.',
		]);
	}
}

/** Downloads a results file through its signed URL and returns its text. */
export async function getTextFromSignedUrl(
	this: IExecuteFunctions,
	signedUrl: string,
	itemIndex: number,
): Promise<string> {
	try {
		const response = (await this.helpers.httpRequest({
			method: 'GET',
			url: signedUrl,
			json: false,
			encoding: 'text',
		})) as unknown;
		return typeof response === 'string' ? response : JSON.stringify(response);
	} catch (error) {
		throw storageError(this.getNode(), error, 'downloading the results file', signedUrl, itemIndex, [
			'Results links expire after a while: run Get Status (with Download Results) or Wait For Result again to get a fresh link.',
		]);
	}
}

function storageError(
	node: INode,
	error: unknown,
	action: string,
	signedUrl: string,
	itemIndex: number,
	fixes: string[],
): NodeApiError {
	const failure = readHttpFailure(error);
	const where = describeUrl(signedUrl);
	const storageCode = typeof failure.body === 'string' ? /<Code>([^<]+)<\/Code>/.exec(failure.body)?.[1] : undefined;
	const message = failure.httpCode
		? `Storage answered HTTP ${failure.httpCode}${storageCode ? ` (${storageCode})` : ''} while ${action}`
		: `Could not reach Roboflow's storage while ${action}`;
	const network = failure.httpCode ? '' : ` Details: ${failure.networkCode ? `${failure.networkCode}: ` : ''}${failure.message}.`;
	const description = `${fixes.join(' ')}${network} Storage location: ${where}`;
	const safe = { message: redactText(message), description: redactText(description) } as JsonObject;
	return new NodeApiError(node, safe, {
		message: safe.message as string,
		description: safe.description as string,
		httpCode: failure.httpCode ? String(failure.httpCode) : undefined,
		itemIndex,
	});
}
