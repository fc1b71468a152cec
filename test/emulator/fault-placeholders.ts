/**
 * {{placeholders}} in a fault's body, headers or jobFailed message: the values a leaky service
 * would echo back (the API key and URL as received, a freshly signed storage URL, the job's
 * input URL), so tests can check the node never shows them.
 */
import type { IncomingMessage } from 'node:http';
import { absoluteRequestUrl } from './http-util';
import type { UrlSigner } from './signing';
import { OUTPUT_BUCKET } from './storage';

export interface PlaceholderValues {
	apiKey: string;
	requestUrl: string;
	signedUrl: string;
	inputUrl?: string;
}

/** Expands {{apiKey}}, {{requestUrl}}, {{requestUrlEncoded}}, {{signedUrl}} and {{inputUrl}}; others stay as they are. */
export function expandPlaceholders(text: string, values: () => PlaceholderValues): string {
	if (!text.includes('{{')) return text;
	let known: PlaceholderValues | undefined;
	return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
		known ??= values(); // once per text: two {{signedUrl}} in one body are the same URL
		switch (name) {
			case 'apiKey':
				return known.apiKey;
			case 'requestUrl':
				return known.requestUrl;
			case 'requestUrlEncoded':
				return encodeURIComponent(known.requestUrl);
			case 'signedUrl':
				return known.signedUrl;
			case 'inputUrl':
				return known.inputUrl ?? whole;
			default:
				return whole;
		}
	});
}

/** What placeholder values are made from (the API context provides all of it). */
export interface PlaceholderSource {
	apiKeys: () => string[];
	signer: UrlSigner;
	storageUrl: string;
	outputUrlTtlSeconds: () => number;
}

/** A freshly signed results-like URL on the storage host. */
export function baitSignedUrl(source: PlaceholderSource, jobId: string | undefined): string {
	const objectPath = `/${OUTPUT_BUCKET}/${encodeURIComponent(jobId ?? 'leak-bait')}/results.json`;
	return source.signer.sign(source.storageUrl, 'GET', objectPath, source.outputUrlTtlSeconds(), Date.now());
}

/** Placeholder values for one request, computed only if a body asks for them. */
export function requestPlaceholders(
	source: PlaceholderSource,
	req: IncomingMessage,
	origin: string,
	job?: { id: string; inputUrl?: string },
): () => PlaceholderValues {
	return () => {
		const requestUrl = absoluteRequestUrl(req, origin);
		return {
			apiKey: new URL(requestUrl).searchParams.get('api_key') || source.apiKeys()[0],
			requestUrl,
			signedUrl: baitSignedUrl(source, job?.id),
			inputUrl: job?.inputUrl,
		};
	};
}
