/**
 * How long the node waits for an answer and how often it tries again. One object, so the
 * numbers are stated once (the README quotes them) and tests can shrink them.
 */
export const transferPolicy = {
	/** A whole API answer (upload link, job start, status, model list), first byte to last. */
	apiDeadlineMs: 30_000,
	/** Uploads and results downloads get this much plus the time their size needs at minBytesPerSecond. */
	transferBaseMs: 60_000,
	/** 256 KiB/s: slower than any connection a video upload is sensible on, faster than a stuck one. */
	minBytesPerSecond: 256 * 1024,
	/** Attempts of an idempotent request, the first included. */
	maxAttempts: 4,
	/** Waits before the 2nd, 3rd and 4th attempt when the answer gives no Retry-After. */
	backoffMs: [1_000, 4_000, 10_000],
	/** A Retry-After longer than this is not waited for inside one request: the error says when to come back. */
	maxRetryAfterMs: 30_000,
};

export type TransferPolicy = typeof transferPolicy;

/** The deadline for moving `bytes` bytes (an upload, or a download of known size). */
export function transferDeadlineMs(bytes: number, policy: TransferPolicy = transferPolicy): number {
	return policy.transferBaseMs + Math.ceil((Math.max(0, bytes) / policy.minBytesPerSecond) * 1000);
}

/** How long to wait before attempt number `attempt + 1` (attempt counts from 1). */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, policy: TransferPolicy = transferPolicy): number {
	if (retryAfterMs !== undefined) return Math.max(0, retryAfterMs);
	return policy.backoffMs[Math.min(attempt - 1, policy.backoffMs.length - 1)] ?? 0;
}

/** Reads Retry-After (seconds or an HTTP date) into milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const trimmed = String(text).trim();
	if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const date = Date.parse(trimmed);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
