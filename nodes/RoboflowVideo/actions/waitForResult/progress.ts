import type { IDataObject } from 'n8n-workflow';

import { dueAt, type JobTiming } from './schedule';

/**
 * What the internal run of Park Execution shows while it waits: one row per job, for a person
 * who opens that run in the editor (its "Still running" node). Pure: the clock is an argument.
 *
 * n8n shows only the pass-through runs of a parked node (the run that parks is dropped on
 * resume), and a pass-through run outputs the node's input items: so the check step writes
 * these rows into its own input items before it parks (see checkStep.ts).
 */

/** What the progress needs of a tracked job (see jobTracker.ts). */
export interface JobProgressState extends JobTiming {
	jobId: string;
	itemIndex: number;
	checks?: number;
	completed?: boolean;
	errorItem?: IDataObject;
}

export interface JobProgress extends IDataObject {
	job_id: string;
	state: 'waiting for first check' | 'running' | 'completed' | 'failed';
	checks_made: number;
	last_check_at: string | null;
	next_check_at: string | null;
	waiting_since: string;
	note: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function jobProgress(
	job: JobProgressState,
	startedAt: number,
	parkedUntil: number,
	intervalMs: number,
): JobProgress {
	const checks = job.checks ?? 0;
	// A job checked before `checks` was counted (a wait parked by an earlier version) has lastPollAt.
	const checked = checks > 0 || job.lastPollAt !== undefined;
	const state: JobProgress['state'] = job.errorItem ? 'failed' : job.completed ? 'completed' : checked ? 'running' : 'waiting for first check';
	const awaitsCheck = state === 'running' || state === 'waiting for first check';
	// A job checked again later than the park (a 429's Retry-After) shows when it is due.
	const next = awaitsCheck ? Math.max(parkedUntil, dueAt(job, intervalMs)) : null;
	return {
		job_id: job.jobId,
		state,
		checks_made: checks,
		last_check_at: job.lastPollAt === undefined ? null : iso(job.lastPollAt),
		next_check_at: next === null ? null : iso(next),
		waiting_since: iso(startedAt),
		note: progressNote(state, job.jobId),
	};
}

function progressNote(state: JobProgress['state'], jobId: string): string {
	switch (state) {
		case 'completed':
			return 'Done at Roboflow; its results are fetched once no job of this batch is still running.';
		case 'failed':
			return 'Ended without results; reported by the Wait For Result node once no job of this batch is still running.';
		default:
			return `Still running at Roboflow. Stopping this run does not stop the job: pick it up again with Get Status or Wait For Result on job ID ${jobId}.`;
	}
}

/**
 * The rows of a batch in input order: row k belongs to input item k. An item whose job ID was
 * refused has no tracked job and keeps its input as it is (undefined).
 */
export function batchProgress(
	jobs: JobProgressState[],
	itemCount: number,
	startedAt: number,
	parkedUntil: number,
	intervalMs: number,
): Array<JobProgress | undefined> {
	const rows: Array<JobProgress | undefined> = new Array(itemCount).fill(undefined);
	for (const job of jobs) {
		if (job.itemIndex < itemCount && job.jobId) rows[job.itemIndex] = jobProgress(job, startedAt, parkedUntil, intervalMs);
	}
	return rows;
}
