/**
 * Scrubs secrets out of text that may leave the node (error messages, descriptions, logs).
 * The API key travels in the query string, and signed storage URLs carry their own
 * credentials in the query string, so both the known key and any such parameters are removed.
 */
const SECRET_QUERY_PARAMS = /(\b(?:api_key|X-Goog-[A-Za-z]+|Signature|GoogleAccessId)=)[^&#\s"'<>]*/gi;
const SIGNED_URL_QUERY = /(https?:\/\/[^\s"'<>?]+)\?[^\s"'<>]*X-Goog-[^\s"'<>]*/gi;

export function redactText(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
	let safe = text.replace(SIGNED_URL_QUERY, '$1?[signature redacted]');
	safe = safe.replace(SECRET_QUERY_PARAMS, (_, name: string) => `${name}[redacted]`);
	for (const secret of secrets) {
		// Very short values would shred ordinary words; real keys are long.
		if (secret && secret.length >= 6) safe = safe.split(secret).join('[redacted]');
	}
	return safe;
}

/** A signed URL reduced to what is safe to show: scheme, host and path, no query. */
export function describeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return '[invalid URL]';
	}
}
