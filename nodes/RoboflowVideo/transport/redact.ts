/**
 * Everything the network says is untrusted text: a proxy or a failing service may echo the
 * request URL, and with it the API key (query parameter api_key) or a signed storage URL
 * (whose query string is a credential). Text from the API or storage passes through
 * `redactText` before it can reach an output item, an error or a log, and HTML or XML pages
 * are summarised instead of shown.
 */

/** Names of query parameters whose values are credentials. */
const SECRET_PARAM_NAMES = String.raw`api_key|apikey|access_token|X-Goog-[A-Za-z]+|X-Amz-[A-Za-z]+|Signature|GoogleAccessId`;
/** A parameter written plainly (name=value) or URL-encoded once or twice (name%3Dvalue). */
const SECRET_PARAM = new RegExp(
	String.raw`((?<=^|[?&\s"'{,;(]|%3F|%26|%253F|%2526)(?:${SECRET_PARAM_NAMES})(?:=|%3D|%253D))((?:(?!%26|%2526)[^&#\s"'<>\\])*)`,
	'gi',
);
/** A signed URL (plain or URL-encoded): everything after its "?" goes. */
const SIGNED_URL_QUERY = /(https?(?::\/\/|%3A%2F%2F)[^\s"'<>?]+?)(\?|%3F)[^\s"'<>]*?(?:X-Goog-|X-Amz-|Signature|GoogleAccessId)[^\s"'<>]*/gi;

/** Secrets shorter than this would shred ordinary words; real keys are much longer. */
const MIN_SECRET_LENGTH = 6;

export function redactText(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
	let safe = text.replace(SIGNED_URL_QUERY, (_, base: string, mark: string) => `${base}${mark === '?' ? '?' : '%3F'}[signature redacted]`);
	safe = safe.replace(SECRET_PARAM, (_, name: string) => `${name}[redacted]`);
	for (const secret of secrets) {
		if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
		for (const form of new Set([secret, encodeURIComponent(secret), encodeURIComponent(encodeURIComponent(secret))])) {
			safe = safe.split(form).join('[redacted]');
		}
	}
	return safe;
}

/** Redacts every string inside a parsed JSON value, except the keys named in `keep` at its top level. */
export function redactJson<T>(value: T, secrets: ReadonlyArray<string | undefined>, keep: ReadonlySet<string> = new Set()): T {
	const walk = (v: unknown, topLevel: boolean): unknown => {
		if (typeof v === 'string') return redactText(v, secrets);
		if (Array.isArray(v)) return v.map((x) => walk(x, false));
		if (v && typeof v === 'object') {
			const out: Record<string, unknown> = {};
			for (const [k, x] of Object.entries(v)) out[redactText(k, secrets)] = topLevel && keep.has(k) ? x : walk(x, false);
			return out;
		}
		return v;
	};
	return walk(value, true) as T;
}

const MAX_SNIPPET = 300;

/**
 * A short, safe rendering of an answer body for an error message: HTML and XML pages become a
 * phrase (and a storage error's <Code>), anything else is redacted, flattened and cut short.
 */
export function describeBody(body: string, secrets: ReadonlyArray<string | undefined> = []): string {
	const text = body.trim();
	if (text === '') return 'an empty answer';
	if (/^<(?:!doctype\s+html|html|head|body)\b/i.test(text) || /<\/html>\s*$/i.test(text)) return 'an HTML page';
	if (text.startsWith('<')) {
		const code = /<Code>([A-Za-z0-9_.-]{1,64})<\/Code>/.exec(text)?.[1];
		return code ? `an XML error page (${code})` : 'an XML page';
	}
	const flat = redactText(text, secrets).replace(/\s+/g, ' ');
	return flat.length > MAX_SNIPPET ? `${flat.slice(0, MAX_SNIPPET)}… (${text.length} characters)` : flat;
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
