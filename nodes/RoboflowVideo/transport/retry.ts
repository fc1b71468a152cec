import { sleep } from 'n8n-workflow';

import type { HttpContext } from './http';
import { retryDelayMs, transferPolicy } from './policy';

export interface AttemptOutcome<T> {
	/** The value to return, when the attempt succeeded. */
	value?: T;
	/** When it failed: the error to throw if no attempt is left or the failure is not worth repeating. */
	error?: Error;
	/** Whether another attempt may help (and is safe). */
	retryable?: boolean;
	/** The server's Retry-After, in ms. */
	retryAfterMs?: number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts run out, waiting between
 * attempts (Retry-After when given, up to a cap, else a growing backoff). The wait ends early
 * when the execution is canceled.
 */
export async function withRetries<T>(ctx: HttpContext, attempt: (n: number) => Promise<AttemptOutcome<T>>): Promise<T> {
	const cancel = 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
	for (let n = 1; ; n++) {
		const outcome = await attempt(n);
		if (!outcome.error) return outcome.value as T;
		const tooLong = outcome.retryAfterMs !== undefined && outcome.retryAfterMs > transferPolicy.maxRetryAfterMs;
		if (!outcome.retryable || tooLong || n >= transferPolicy.maxAttempts || cancel?.aborted) throw outcome.error;
		try {
			await sleep(retryDelayMs(n, outcome.retryAfterMs), cancel);
		} catch {
			throw outcome.error;
		}
	}
}
