/**
 * Google Cloud Storage style V4 signed URLs for the emulator's storage host.
 *
 * Real Roboflow hands out URLs like
 *   https://storage.googleapis.com/roboflow_video_inference_input/<uid>/clip.mp4
 *     ?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=...&X-Goog-Date=20231127T101010Z
 *     &X-Goog-Expires=<seconds>&X-Goog-SignedHeaders=content-type%3Bhost&X-Goog-Signature=<hex>
 * The emulator keeps the shape and parameter order (the SDK slices X-Goog-Expires
 * out of the string, so it must not be first) but signs with an HMAC-SHA256 over
 * verb + path + the other parameters, keyed by a secret generated per emulator.
 * The verb is part of the signature, as in GCS: an upload URL cannot be used to
 * download the video back, and a results URL cannot be used to overwrite results.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_PARAM = 'X-Goog-Signature';
const SIGNER_ACCOUNT = 'video-inference@emulator-project.iam.gserviceaccount.com';
/** GCS refuses V4 signed URLs valid for more than seven days. */
export const MAX_EXPIRES_SECONDS = 604_800;

export type SignedVerb = 'GET' | 'PUT';

export type SignatureCheck =
	| { ok: true }
	| { ok: false; code: 'SignatureDoesNotMatch' | 'ExpiredToken' | 'MissingSecurityHeader' | 'AccessDenied'; message: string; details?: string };

/** YYYYMMDDTHHMMSSZ, the X-Goog-Date format. */
export function googDate(epochMs: number): string {
	return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseGoogDate(value: string): number | undefined {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
	if (!m) return undefined;
	return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export class UrlSigner {
	private readonly secret = randomBytes(32);

	/**
	 * @param baseUrl e.g. http://127.0.0.1:41235
	 * @param objectPath already percent-encoded, starting with "/"
	 * @param signedAt epoch ms written into X-Goog-Date (callers pass Date.now(); a past time makes an expired URL)
	 */
	sign(baseUrl: string, verb: SignedVerb, objectPath: string, expiresSeconds: number, signedAt: number): string {
		const day = googDate(signedAt).slice(0, 8);
		const params = new URLSearchParams();
		params.set('X-Goog-Algorithm', 'GOOG4-RSA-SHA256');
		params.set('X-Goog-Credential', `${SIGNER_ACCOUNT}/${day}/auto/storage/goog4_request`);
		params.set('X-Goog-Date', googDate(signedAt));
		params.set('X-Goog-Expires', String(Math.min(Math.max(1, Math.floor(expiresSeconds)), MAX_EXPIRES_SECONDS)));
		params.set('X-Goog-SignedHeaders', verb === 'PUT' ? 'content-type;host' : 'host');
		params.set(SIGNATURE_PARAM, this.signature(verb, objectPath, params));
		return `${baseUrl}${objectPath}?${params.toString()}`;
	}

	/** Checks a request against its signature and expiry, as GCS would, at time `now`. */
	verify(verb: string, objectPath: string, query: URLSearchParams, now: number): SignatureCheck {
		const provided = query.get(SIGNATURE_PARAM);
		if (!provided) {
			return { ok: false, code: 'AccessDenied', message: 'Anonymous caller does not have storage.objects access to this object.' };
		}
		for (const name of ['X-Goog-Algorithm', 'X-Goog-Credential', 'X-Goog-Date', 'X-Goog-Expires', 'X-Goog-SignedHeaders']) {
			if (!query.get(name)) return { ok: false, code: 'MissingSecurityHeader', message: `Your request was missing a required header: ${name}.` };
		}
		const expected = Buffer.from(this.signature(verb.toUpperCase(), objectPath, query), 'utf8');
		const given = Buffer.from(provided, 'utf8');
		if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
			return {
				ok: false,
				code: 'SignatureDoesNotMatch',
				message: 'The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.',
			};
		}
		const signedAt = parseGoogDate(query.get('X-Goog-Date')!);
		const expires = Number(query.get('X-Goog-Expires'));
		if (signedAt === undefined || !Number.isFinite(expires)) {
			return { ok: false, code: 'SignatureDoesNotMatch', message: 'Malformed X-Goog-Date or X-Goog-Expires.' };
		}
		const expiresAt = signedAt + expires * 1000;
		if (now > expiresAt) {
			return { ok: false, code: 'ExpiredToken', message: 'Invalid argument.', details: `Request signature expired at: ${new Date(expiresAt).toISOString()}` };
		}
		return { ok: true };
	}

	/** Canonical string: verb, path, then every parameter but the signature in sorted order. */
	private signature(verb: string, objectPath: string, query: URLSearchParams): string {
		const canonical = [...query.entries()]
			.filter(([name]) => name !== SIGNATURE_PARAM)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
			.join('&');
		return createHmac('sha256', this.secret).update(`${verb}\n${objectPath}\n${canonical}`).digest('hex');
	}
}

/** The GCS XML error document. */
export function storageErrorXml(code: string, message: string, details?: string): string {
	const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
	return (
		`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message>` +
		(details ? `<Details>${escape(details)}</Details>` : '') +
		'</Error>'
	);
}
