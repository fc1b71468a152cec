import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../../helpers/errors';
import { requireJobId } from '../../helpers/validation';
import { RoboflowRequestError } from '../../transport';
import { checkJob } from '../shared/checkJob';
import { errorItem } from '../shared/errorItem';
import { resultItems, ResultsFileError } from '../shared/fetchResults';
import { asOneItemPerJob } from '../../results/output';
import { formatDuration, isDue, nextCheckAt, type JobTiming, type ParkTiming } from './schedule';
import type { WaitSettings } from './settings';

/**
 * One round of waiting: check every job that is due, at most once per interval per job, and
 * say when the next one is due; when no job is still running, fetch every completed job's
 * results and hand them over.
 *
 * The state lives in node context, which n8n saves with the parked execution at every park, so
 * the one-check-a-minute rule holds across resumes, early wake-ups and restarts. It keeps only
 * each job's state, never its results: when it was last checked (and any Retry-After), its
 * fault counts, whether Roboflow said it completed with the results link that answer gave and
 * when, and the small error item of a job given up under Continue On Fail. Results (per-frame
 * lists, an embedded file) are downloaded and shaped once, in the round in which no job is
 * still running, and leave in that round's output without ever entering the state.
 */

export interface TrackedJob extends IDataObject, JobTiming {
	jobId: string;
	itemIndex: number;
	transientFailures?: number;
	unreadableAnswers?: number;
	downloadFailures?: number;
	/** Roboflow said the job completed (its results are fetched when no job is still running). */
	completed?: boolean;
	/** The results link of the last status answer that said completed; dropped when a download with it fails. */
	outputUrl?: string;
	/** When that link was obtained (epoch ms). */
	outputUrlAt?: number;
	/** The job was given up on under Continue On Fail: its error item, all it will output. */
	errorItem?: IDataObject;
}

export interface WaitState extends ParkTiming {
	startedAt?: number;
	jobs?: Record<string, TrackedJob>;
}

export interface RoundOutcome {
	finished: boolean;
	/** When finished: the result items of every input item, in input order. */
	items: INodeExecutionData[];
	/** When not finished: when the next check is due (epoch ms). */
	nextCheckAt: number;
	pendingJobIds: string[];
}

type ShapedItems = Array<Pick<INodeExecutionData, 'json' | 'binary'>>;

/** Whether the job needs a status check: it has neither ended nor a results link to fetch. */
const awaitsStatus = (job: TrackedJob): boolean => !job.errorItem && !job.outputUrl;

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
			const job: TrackedJob = { jobId: '', itemIndex };
			giveUp.call(this, job, settings, continueOnFail, 'invalid', asNodeError(this.getNode(), error, itemIndex));
			tracked.push(job);
			continue;
		}
		const key = `${itemIndex}:${jobId}`;
		const job = (jobs[key] ??= { jobId, itemIndex });
		// State saved by an earlier version kept finished outputs: drop them; the job is checked again.
		delete job.output;
		delete job.done;
		tracked.push(job);
	}

	const deadline = state.startedAt + settings.maxWaitMs;
	// Results fetched in this round, kept only until it ends (never in the state).
	const fetched = new Map<TrackedJob, ShapedItems>();
	// Goes round again only after a download failed: then only those jobs await a status, and
	// the next pass checks those that are due (each then not due for an interval) or parks.
	// Every failed download counts towards giving up on its job, so this ends.
	for (;;) {
		for (const job of tracked) {
			if (!awaitsStatus(job) || !isDue(job, settings.intervalMs, Date.now())) continue;
			await pollOnce.call(this, job, settings, continueOnFail);
		}

		const now = Date.now();
		const pending = tracked.filter(awaitsStatus);
		if (pending.length && now >= deadline) {
			const after = `Gave up waiting after ${formatDuration(settings.maxWaitMs)}`;
			const running = pending.filter((job) => !job.completed).map((job) => job.jobId);
			const description =
				'The jobs go on at Roboflow. Pick them up later with Get Status or another Wait For Result on the same job ID, or raise Max Wait Time.';
			for (const job of pending) {
				// A job that completed but whose results could not be fetched yet is reported as completed.
				const message = job.completed
					? `${after}: job ${job.jobId} completed but its results could not be fetched`
					: `${after}: job${running.length > 1 ? 's' : ''} ${running.join(', ')} still running`;
				const state = job.completed ? 'completed' : 'processing';
				giveUp.call(this, job, settings, continueOnFail, state, new NodeOperationError(this.getNode(), message, { itemIndex: job.itemIndex, description }));
			}
		}

		const stillPending = tracked.filter(awaitsStatus);
		if (stillPending.length) {
			return {
				finished: false,
				items: [],
				nextCheckAt: nextCheckAt(stillPending, settings.intervalMs, now, deadline),
				pendingJobIds: stillPending.map((job) => job.jobId),
			};
		}

		if (await fetchAll.call(this, tracked, fetched, settings, continueOnFail)) {
			const items: INodeExecutionData[] = [];
			for (const job of tracked) {
				const output = job.errorItem ? [{ json: job.errorItem }] : (fetched.get(job) ?? []);
				for (const item of output) items.push({ ...item, pairedItem: { item: job.itemIndex } });
			}
			return { finished: true, items, nextCheckAt: now, pendingJobIds: [] };
		}
	}
}

/**
 * Downloads and shapes the results of every completed job not fetched yet in this round. A job
 * whose download fails in a passing way loses its link and gets a fresh one at its next due
 * status check. Jobs that failed before go first, and once a failed job cannot be checked again
 * in this round (this round then parks and drops what it fetched) nothing more is downloaded.
 * True when every job's results are in `fetched` (or the job has ended with an error item).
 */
async function fetchAll(
	this: IExecuteFunctions,
	tracked: TrackedJob[],
	fetched: Map<TrackedJob, ShapedItems>,
	settings: WaitSettings,
	continueOnFail: boolean,
): Promise<boolean> {
	const toFetch = tracked.filter((job) => job.outputUrl && !fetched.has(job));
	const order = [...toFetch.filter((job) => job.downloadFailures), ...toFetch.filter((job) => !job.downloadFailures)];
	let allFetched = true;
	for (const job of order) {
		const items = await fetchOnce.call(this, job, settings, continueOnFail);
		if (items) {
			fetched.set(job, items);
			continue;
		}
		if (job.errorItem) continue;
		allFetched = false;
		if (!isDue(job, settings.intervalMs, Date.now())) break;
	}
	return allFetched;
}

/** One job's results, shaped as the user asked; undefined when they could not be fetched. */
async function fetchOnce(
	this: IExecuteFunctions,
	job: TrackedJob,
	settings: WaitSettings,
	continueOnFail: boolean,
): Promise<ShapedItems | undefined> {
	try {
		const items = await resultItems.call(this, job.jobId, job.outputUrl as string, settings.results, job.itemIndex, 'embedded');
		job.downloadFailures = 0;
		if (settings.framesInOneItem && items.every((item) => !item.binary)) {
			return asOneItemPerJob(job.jobId, settings.results.output, items.map(({ json }) => json)).map((json) => ({ json }));
		}
		return items.map(({ json, binary }) => (binary ? { json, binary } : { json }));
	} catch (error) {
		// The job is done; only its results could not be fetched. Its next due check asks for a
		// fresh results link (links expire) and the download is tried again.
		const passing =
			error instanceof ResultsFileError ||
			(error instanceof RoboflowRequestError && (error.transient || error.statusCode === 400 || error.statusCode === 403 || error.statusCode === 404));
		if (passing && !countFault(job, 'downloadFailures')) {
			delete job.outputUrl;
			delete job.outputUrlAt;
			return undefined;
		}
		const nodeError = asNodeError(this.getNode(), error, job.itemIndex);
		nodeError.description = `${nodeError.description ?? ''} Job ${job.jobId} itself completed at Roboflow: fetch its results later with Get Status (Download Results on).`.trim();
		giveUp.call(this, job, settings, continueOnFail, 'completed', nodeError);
		return undefined;
	}
}

/**
 * Passing faults tolerated in a row per job before the wait gives up on it: about five minutes
 * of checks at the default interval. Each kind is counted on its own and reset by a good answer.
 */
export const MAX_FAULTS_IN_A_ROW = 5;

type Fault = 'transientFailures' | 'unreadableAnswers' | 'downloadFailures';

/** The wait's errors belong to the user's Wait For Result node, not to the internal step. */
function asUserError(this: IExecuteFunctions, error: unknown, job: TrackedJob, settings: WaitSettings): NodeApiError | NodeOperationError {
	const nodeError = asNodeError(this.getNode(), error, job.itemIndex);
	(nodeError as { node: INode }).node = { ...nodeError.node, name: settings.callerNodeName };
	return nodeError;
}

/** Ends a job with an error: the node fails, or with Continue On Fail the item carries it. */
function giveUp(
	this: IExecuteFunctions,
	job: TrackedJob,
	settings: WaitSettings,
	continueOnFail: boolean,
	state: string,
	error: NodeApiError | NodeOperationError,
): void {
	const userError = asUserError.call(this, error, job, settings);
	if (!continueOnFail) throw userError;
	job.errorItem = errorItem(userError, job.itemIndex, { jobId: job.jobId, state }).json;
	delete job.outputUrl;
	delete job.outputUrlAt;
}

/** Counts a passing fault; true when the job should be given up on. */
function countFault(job: TrackedJob, fault: Fault): boolean {
	job[fault] = ((job[fault] as number | undefined) ?? 0) + 1;
	return (job[fault] as number) >= MAX_FAULTS_IN_A_ROW;
}

async function pollOnce(
	this: IExecuteFunctions,
	job: TrackedJob,
	settings: WaitSettings,
	continueOnFail: boolean,
): Promise<void> {
	let status;
	try {
		status = await checkJob.call(this, job.jobId, job.itemIndex);
	} catch (error) {
		job.lastPollAt = Date.now();
		if (!(error instanceof RoboflowRequestError)) return giveUp.call(this, job, settings, continueOnFail, 'unknown', asNodeError(this.getNode(), error, job.itemIndex));
		if (error.statusCode === 429) {
			// "Not yet": Roboflow says when it will answer again.
			job.notBefore = job.lastPollAt + Math.max(error.retryAfterMs ?? settings.intervalMs, 1000);
			return;
		}
		if (error.failedWith === 'unreadable') {
			if (!countFault(job, 'unreadableAnswers')) return;
			error.message = `Roboflow's status answers for job ${job.jobId} could not be read ${MAX_FAULTS_IN_A_ROW} times in a row: ${error.message.replace(/^.*?: /, '')}`;
			error.description = `The job may still be running at Roboflow: pick it up later with Get Status or another Wait For Result on job ${job.jobId}. ${error.description ?? ''}`.trim();
			return giveUp.call(this, job, settings, continueOnFail, 'unknown', error);
		}
		if (error.transient && !countFault(job, 'transientFailures')) return;
		error.description = `${error.description ?? ''} Job ${job.jobId} may still be running at Roboflow: pick it up later with Get Status or another Wait For Result.`.trim();
		return giveUp.call(this, job, settings, continueOnFail, 'unknown', error);
	}
	// Timed from the answer, not the request: however slow this call was to arrive, Roboflow
	// then sees the next one at least a full interval after this one.
	job.lastPollAt = Date.now();
	job.transientFailures = 0;
	job.unreadableAnswers = 0;
	if (status.state === 'processing') return;
	if (status.state === 'failed') {
		const message = `Roboflow job ${job.jobId} failed (status ${status.status_code}): ${status.error}`;
		// "job_status", not "status_code": n8n would read the latter as an HTTP status.
		const error = new NodeApiError(this.getNode(), { message, job_status: status.status_code } as JsonObject, {
			message,
			description:
				'Roboflow could not process the video with these models. Check the models, their inference types and the Inference FPS (at most the video\'s frame rate), then start a new job.',
			itemIndex: job.itemIndex,
		});
		return giveUp.call(this, job, settings, continueOnFail, 'failed', error);
	}
	// Completed: note the results link; the results are fetched when no job is still running.
	job.completed = true;
	job.outputUrl = status.output_url as string;
	job.outputUrlAt = job.lastPollAt;
}
