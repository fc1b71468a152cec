import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../../helpers/errors';
import { fetchJobStatus } from '../../helpers/jobStatus';
import { requireJobId } from '../../helpers/validation';
import { readHttpFailure } from '../../transport';
import { resultItems, type ResultsOutputSettings } from '../shared/resultsOutput';

/**
 * One round of waiting: poll every job that is due, at most once per interval per job, and
 * say when the next one is due. The state it keeps (last poll time, finished outputs) lives
 * in node context, which n8n saves with a parked execution, so the one-poll-a-minute rule
 * holds across resumes, early wake-ups and restarts.
 */

/** Transient failures (5xx, network) tolerated in a row before the wait gives up on a job. */
const MAX_CONSECUTIVE_TRANSIENT_FAILURES = 3;

export interface TrackedJob extends IDataObject {
	jobId: string;
	itemIndex: number;
	lastPollAt?: number;
	notBefore?: number;
	transientFailures?: number;
	done?: boolean;
	/** The job's finished output items (json and any binary), kept until every job is done. */
	output?: Array<Pick<INodeExecutionData, 'json' | 'binary'>>;
}

export interface WaitState {
	startedAt?: number;
	jobs?: Record<string, TrackedJob>;
	/** When the check step last asked to be resumed, and whether that wait was a long one. */
	parkedUntil?: number;
	parkedForLong?: boolean;
	/** Set while the step sits out one short wait after a late resume (see checkOnce). */
	settling?: boolean;
}

export interface WaitSettings {
	intervalMs: number;
	maxWaitMs: number;
	results: ResultsOutputSettings;
}

export interface RoundOutcome {
	finished: boolean;
	/** When finished: the result items of every input item, in input order. */
	items: INodeExecutionData[];
	/** When not finished: when the next check is due (epoch ms). */
	nextCheckAt: number;
	pendingJobIds: string[];
}

export async function runWaitRound(
	this: IExecuteFunctions,
	state: WaitState,
	jobIdValues: unknown[],
	settings: WaitSettings,
): Promise<RoundOutcome> {
	const continueOnFail = this.continueOnFail();
	state.startedAt ??= Date.now();
	state.jobs ??= {};
	const jobs = state.jobs;

	const tracked: TrackedJob[] = [];
	for (let itemIndex = 0; itemIndex < jobIdValues.length; itemIndex++) {
		let jobId: string;
		try {
			jobId = requireJobId(this, jobIdValues[itemIndex], itemIndex);
		} catch (error) {
			if (!continueOnFail) throw asNodeError(this.getNode(), error, itemIndex);
			tracked.push({ jobId: '', itemIndex, done: true, output: [{ json: { error: (error as Error).message } }] });
			continue;
		}
		const key = `${itemIndex}:${jobId}`;
		tracked.push((jobs[key] ??= { jobId, itemIndex }));
	}

	for (const job of tracked) {
		if (job.done || !isDue(job, settings.intervalMs, Date.now())) continue;
		await pollOnce.call(this, job, settings, continueOnFail);
	}

	const pending = tracked.filter((job) => !job.done);
	const now = Date.now();
	const deadline = state.startedAt + settings.maxWaitMs;
	if (pending.length && now >= deadline) {
		const ids = pending.map((job) => job.jobId);
		const message = `Gave up waiting after ${formatDuration(settings.maxWaitMs)}: job${ids.length > 1 ? 's' : ''} ${ids.join(', ')} still running`;
		const description =
			'The jobs go on at Roboflow. Pick them up later with Get Status or another Wait For Result on the same job ID, or raise Max Wait Time.';
		if (!continueOnFail) {
			throw new NodeOperationError(this.getNode(), message, { itemIndex: pending[0].itemIndex, description });
		}
		for (const job of pending) {
			job.done = true;
			job.output = [{ json: { job_id: job.jobId, state: 'processing', error: message, description } }];
		}
	}

	const stillPending = tracked.filter((job) => !job.done);
	if (stillPending.length === 0) {
		const items: INodeExecutionData[] = [];
		for (const job of tracked) {
			for (const item of job.output ?? []) items.push({ ...item, pairedItem: { item: job.itemIndex } });
		}
		return { finished: true, items, nextCheckAt: now, pendingJobIds: [] };
	}
	const nextDue = Math.min(...stillPending.map((job) => dueAt(job, settings.intervalMs)));
	return {
		finished: false,
		items: [],
		nextCheckAt: Math.max(now, Math.min(nextDue, deadline)),
		pendingJobIds: stillPending.map((job) => job.jobId),
	};
}

function dueAt(job: TrackedJob, intervalMs: number): number {
	const byInterval = job.lastPollAt === undefined ? 0 : job.lastPollAt + intervalMs;
	return Math.max(byInterval, job.notBefore ?? 0);
}

function isDue(job: TrackedJob, intervalMs: number, now: number): boolean {
	return dueAt(job, intervalMs) <= now;
}

async function pollOnce(
	this: IExecuteFunctions,
	job: TrackedJob,
	settings: WaitSettings,
	continueOnFail: boolean,
): Promise<void> {
	let status;
	try {
		status = await fetchJobStatus.call(this, job.jobId, job.itemIndex);
	} catch (error) {
		job.lastPollAt = Date.now();
		const failure = readHttpFailure(error);
		const code = Number((error as NodeApiError).httpCode ?? failure.httpCode);
		if (code === 429) {
			// "Not yet": Roboflow says when it will answer again.
			const retryAfter = Number((error as NodeApiError).context?.retryAfterSeconds ?? failure.retryAfterSeconds);
			const retryAfterMs = (Number.isFinite(retryAfter) ? retryAfter : settings.intervalMs / 1000) * 1000;
			job.notBefore = job.lastPollAt + Math.max(retryAfterMs, 1000);
			return;
		}
		const transient = !code || code >= 500;
		job.transientFailures = (job.transientFailures ?? 0) + 1;
		if (transient && job.transientFailures < MAX_CONSECUTIVE_TRANSIENT_FAILURES) return;
		if (!continueOnFail) throw asNodeError(this.getNode(), error, job.itemIndex);
		job.done = true;
		job.output = [{ json: { job_id: job.jobId, state: 'unknown', error: (error as Error).message } }];
		return;
	}
	// Timed from the answer, not the request: however slow this call was to arrive, Roboflow
	// then sees the next one at least a full interval after this one.
	job.lastPollAt = Date.now();
	job.transientFailures = 0;
	if (status.state === 'processing') return;
	if (status.state === 'failed') {
		const message = `Roboflow job ${job.jobId} failed (status ${status.status_code}): ${status.error}`;
		if (!continueOnFail) {
			// "job_status", not "status_code": n8n would read the latter as an HTTP status.
			throw new NodeApiError(this.getNode(), { message, job_status: status.status_code } as JsonObject, {
				message,
				description:
					'Roboflow could not process the video with these models. Check the models, their inference types and the Inference FPS (at most the video\'s frame rate), then start a new job.',
				itemIndex: job.itemIndex,
			});
		}
		job.done = true;
		job.output = [{ json: { job_id: job.jobId, state: 'failed', status_code: status.status_code, error: message } }];
		return;
	}
	if (!status.output_url) {
		throw new NodeApiError(this.getNode(), { message: 'no output URL' } as JsonObject, {
			message: `Roboflow reported job ${job.jobId} as finished but gave no results link`,
			description: 'Try Get Status on the job later; if it persists, contact Roboflow support with the job ID.',
			itemIndex: job.itemIndex,
		});
	}
	const items = await resultItems.call(this, job.jobId, status.output_url, settings.results, job.itemIndex);
	job.done = true;
	job.output = items.map(({ json, binary }) => (binary ? { json, binary } : { json }));
}

export function formatDuration(ms: number): string {
	const minutes = Math.round(ms / 60000);
	if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
	const hours = Math.round((minutes / 60) * 10) / 10;
	return `${hours} hours`;
}
