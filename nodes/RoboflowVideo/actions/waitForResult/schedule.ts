/**
 * The wait's time arithmetic. Pure: it takes the clock as an argument, so every rule (one check
 * per interval per job, Retry-After, the deadline, a late resume) is tested directly.
 */

export interface JobTiming {
	lastPollAt?: number;
	/** Not before this (a 429's Retry-After). */
	notBefore?: number;
}

/** When a job may next be checked: a full interval after the last answer, and not before Retry-After. */
export function dueAt(job: JobTiming, intervalMs: number): number {
	const byInterval = job.lastPollAt === undefined ? 0 : job.lastPollAt + intervalMs;
	return Math.max(byInterval, job.notBefore ?? 0);
}

export function isDue(job: JobTiming, intervalMs: number, now: number): boolean {
	return dueAt(job, intervalMs) <= now;
}

/** The next check of any pending job, never past the deadline and never in the past. */
export function nextCheckAt(pending: JobTiming[], intervalMs: number, now: number, deadline: number): number {
	const nextDue = Math.min(...pending.map((job) => dueAt(job, intervalMs)));
	return Math.max(now, Math.min(nextDue, deadline));
}

/**
 * n8n resumes a wait of a minute or more within a fraction of a second of its time; long
 * after it only when n8n was not running then. Such a late resume happens while n8n is still
 * starting, when its start-up recovery may mark an execution that is running at that moment
 * as crashed: a sub-execution that finished at once would have its parent resumed right into
 * that window and lost. So after a late resume the step first sits out one short wait, which
 * n8n picks up on its next sweep (within a minute), and only then checks and hands over.
 */
export const LATE_RESUME_MS = 10_000;
export const SETTLE_MS = 30_000;
/** Waits of about a minute or more are armed by n8n's minute sweep ahead of time, so they resume on time. */
export const PRECISE_WAIT_MS = 55_000;

export interface ParkTiming {
	parkedUntil?: number;
	parkedForLong?: boolean;
	settling?: boolean;
}

export function resumedLate(park: ParkTiming, now: number): boolean {
	return Boolean(park.parkedForLong) && park.parkedUntil !== undefined && now - park.parkedUntil > LATE_RESUME_MS;
}

/** Whether this resume must first sit out one short wait (see LATE_RESUME_MS). */
export function mustSettle(park: ParkTiming, now: number): boolean {
	return resumedLate(park, now) && !park.settling;
}

export function isLongWait(until: number, now: number): boolean {
	return until - now >= PRECISE_WAIT_MS;
}

export function formatDuration(ms: number): string {
	const minutes = Math.round(ms / 60000);
	if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
	const hours = Math.round((minutes / 60) * 10) / 10;
	return `${hours} hours`;
}
