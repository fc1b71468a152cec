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
import { outputsFailedItems, type WaitSettings } from './settings';

/**
 * One round of waiting: check every job that is due, at most once per interval per job, and
 * say when the next one is due; when no job is still running, fetch every completed job's
 * results and hand them over.
 *
 * The state lives in node context, which n8n saves with the parked execution at every park, so
 * the one-check-a-minute rule holds across resumes, early wake-ups and restarts. It keeps only
 * each job's state, never its results: when it was last checked (and any Retry-After), its
 * fault counts, whether Roboflow said it completed with the results link that answer gave and
 * when, and the small error item of a job given up on. Results (per-frame lists, an embedded
 * file) are downloaded and shaped once, in the round in which no job is still running, and
 * leave in that round's output without ever entering the state.
 *
 * A job given up on never stops the others from being waited for. Once no job is still
 * running, On Job Failure decides: Output Failed Items (or Continue On Fail) outputs every
 * item, the failed ones as error items; Stop Workflow fails the node once, with an error that
 * lists every item's job and state (see batchError), and fetches no results it would discard.
 */

export interface TrackedJob extends IDataObject, JobTiming {
	jobId: string;
	itemIndex: number;
	/** Status checks made, answered or not: shown in the wait's progress. */
	checks?: number;
	transientFailures?: number;
	unreadableAnswers?: number;
	downloadFailures?: number;
	/** Roboflow said the job completed (its results are fetched when no job is still running). */
	completed?: boolean;
	/** The results link of the last status answer that said completed; dropped when a download with it fails. */
	outputUrl?: string;
	/** When that link was obtained (epoch ms). */
	outputUrlAt?: number;
	/**
	 * The job was given up on: its error item, all it will output under Output Failed Items
	 * (or Continue On Fail); under Stop Workflow, its line in the node's error.
	 */
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

type NodeError = NodeApiError | NodeOperationError;

/** One round's view of the wait: the settings, what a failed job does, and the errors raised in it. */
interface Round {
	settings: WaitSettings;
	/** Failed jobs become error items (On Job Failure: Output Failed Items, or Continue On Fail). */
	outputFailed: boolean;
	/** The errors of the jobs given up on in this round, as raised; earlier ones live on as their error items. */
	errors: Map<TrackedJob, NodeError>;
}

/** Whether the job needs a status check: it has neither ended nor a results link to fetch. */
const awaitsStatus = (job: TrackedJob): boolean => !job.errorItem && !job.outputUrl;

/** Whether the job may still end either way: neither given up on nor said to be completed. */
const stillRunning = (job: TrackedJob): boolean => !job.errorItem && !job.completed;

export async function runWaitRound(
	this: IExecuteFunctions,
	state: WaitState,
	jobIdValues: unknown[],
	settings: WaitSettings,
): Promise<RoundOutcome> {
	const round: Round = { settings, outputFailed: outputsFailedItems(this, settings), errors: new Map() };
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
			giveUp.call(this, job, round, 'invalid', asNodeError(this.getNode(), error, itemIndex));
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
	/** Stop Workflow, and a job was given up on: the node will fail. */
	const stops = (): boolean => !round.outputFailed && tracked.some((job) => job.errorItem);
	// Results fetched in this round, kept only until it ends (never in the state).
	const fetched = new Map<TrackedJob, ShapedItems>();
	// Goes round again only after a download failed: then only those jobs await a status, and
	// the next pass checks those that are due (each then not due for an interval) or parks.
	// Every failed download counts towards giving up on its job, so this ends.
	for (;;) {
		for (const job of tracked) {
			if (!awaitsStatus(job) || !isDue(job, settings.intervalMs, Date.now())) continue;
			await pollOnce.call(this, job, round);
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
				giveUp.call(this, job, round, state, new NodeOperationError(this.getNode(), message, { itemIndex: job.itemIndex, description }));
			}
		}

		// Once no job is still running, a job given up on fails the node; the completed jobs'
		// results would be discarded, so they are not fetched.
		if (stops() && !tracked.some(stillRunning)) throw batchError.call(this, tracked, round);

		const stillPending = tracked.filter(awaitsStatus);
		if (stillPending.length) {
			return {
				finished: false,
				items: [],
				nextCheckAt: nextCheckAt(stillPending, settings.intervalMs, now, deadline),
				pendingJobIds: stillPending.map((job) => job.jobId),
			};
		}

		if (await fetchAll.call(this, tracked, fetched, round)) {
			if (stops()) throw batchError.call(this, tracked, round);
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
 * True when every job's results are in `fetched` (or the job has ended with an error item), or
 * when under Stop Workflow a job's download has just failed for good: the node then fails, and
 * the others' results would be discarded.
 */
async function fetchAll(
	this: IExecuteFunctions,
	tracked: TrackedJob[],
	fetched: Map<TrackedJob, ShapedItems>,
	round: Round,
): Promise<boolean> {
	const toFetch = tracked.filter((job) => job.outputUrl && !fetched.has(job));
	const order = [...toFetch.filter((job) => job.downloadFailures), ...toFetch.filter((job) => !job.downloadFailures)];
	let allFetched = true;
	for (const job of order) {
		const items = await fetchOnce.call(this, job, round);
		if (items) {
			fetched.set(job, items);
			continue;
		}
		if (job.errorItem) {
			if (round.outputFailed) continue;
			return true;
		}
		allFetched = false;
		if (!isDue(job, round.settings.intervalMs, Date.now())) break;
	}
	return allFetched;
}

/** One job's results, shaped as the user asked; undefined when they could not be fetched. */
async function fetchOnce(this: IExecuteFunctions, job: TrackedJob, round: Round): Promise<ShapedItems | undefined> {
	const { settings } = round;
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
		giveUp.call(this, job, round, 'completed', nodeError);
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
function asUserError(this: IExecuteFunctions, error: unknown, itemIndex: number, settings: WaitSettings): NodeError {
	const nodeError = asNodeError(this.getNode(), error, itemIndex);
	(nodeError as { node: INode }).node = { ...nodeError.node, name: settings.callerNodeName };
	return nodeError;
}

/**
 * Ends a job with an error, without stopping the wait for the others: the job's error item is
 * what it outputs (Output Failed Items) or its line in the node's error (Stop Workflow).
 */
function giveUp(this: IExecuteFunctions, job: TrackedJob, round: Round, state: string, error: NodeError): void {
	const userError = asUserError.call(this, error, job.itemIndex, round.settings);
	job.errorItem = errorItem(userError, job.itemIndex, { jobId: job.jobId, state }).json;
	round.errors.set(job, userError);
	delete job.outputUrl;
	delete job.outputUrlAt;
}

/** How a job's state reads in the list of a batch's error, by the state of its error item. */
const STATE_WORDS: Record<string, string> = {
	failed: 'failed',
	processing: 'still running',
	completed: 'completed, results not fetched',
	unknown: 'state unknown',
	invalid: 'invalid input',
};

/**
 * Stop Workflow's one error, when no job is still running and at least one was given up on.
 * A single job fails with its own error, as raised. A batch fails with "2 of 20 jobs failed"
 * (or "Gave up waiting after …: 3 of 20 jobs still running") and a description that lists
 * every item in input order: its number, job ID and state, and why a failed one failed; the
 * completed ones by job ID, so that their results can be fetched with Get Status. Built from
 * the error items only (already free of keys and signed URLs), so it reads the same whatever
 * round the jobs failed in.
 */
function batchError(this: IExecuteFunctions, tracked: TrackedJob[], round: Round): NodeError {
	const failed = tracked.filter((job) => job.errorItem);
	const about = (job: TrackedJob) => job.errorItem as { error?: string; description?: string | null; state?: string };
	if (tracked.length === 1) {
		const [job] = tracked;
		const error = round.errors.get(job) ?? new NodeOperationError(this.getNode(), String(about(job).error), { description: about(job).description ?? undefined });
		return asUserError.call(this, error, job.itemIndex, round.settings);
	}
	const running = failed.filter((job) => about(job).state === 'processing').length;
	const others = failed.length - running;
	const total = tracked.length;
	const counts = [
		...(others ? [`${others} of ${total} jobs failed`] : []),
		...(running ? [others ? `${running} still running` : `${running} of ${total} jobs still running`] : []),
	].join(', ');
	const message = running ? `Gave up waiting after ${formatDuration(round.settings.maxWaitMs)}: ${counts}` : counts;

	const completed = tracked.length - failed.length;
	const advice = [
		completed
			? `The results of the ${completed} completed job${completed === 1 ? '' : 's'} are not output: fetch them by job ID with Get Status (Download Results on), or set On Job Failure to Output Failed Items With an Error Field to get every item, the failed ones marked.`
			: 'No job completed.',
	];
	const stateWords = (state: unknown): string => STATE_WORDS[String(state)] ?? String(state);
	// What to do, once per state: the advice of the first job in it.
	const states = new Set<string>();
	for (const job of failed) {
		const { state, description } = about(job);
		if (states.has(String(state)) || !description) continue;
		states.add(String(state));
		const words = stateWords(state);
		advice.push(`${words.charAt(0).toUpperCase()}${words.slice(1)}: ${description}`);
	}
	const lines = tracked.map((job) => {
		if (!job.errorItem) return `Item ${job.itemIndex + 1}: job ${job.jobId}: completed.`;
		const { state, error } = about(job);
		const subject = job.jobId ? `job ${job.jobId}` : 'no job ID';
		const reason = state === 'processing' ? '' : ` (${String(error).replace(/^Item \d+: /, '')})`;
		return `Item ${job.itemIndex + 1}: ${subject}: ${stateWords(state)}${reason}.`;
	});
	const error = new NodeOperationError(this.getNode(), message, { itemIndex: failed[0].itemIndex, description: [...advice, ...lines].join('\n') });
	return asUserError.call(this, error, failed[0].itemIndex, round.settings);
}

/** Counts a passing fault; true when the job should be given up on. */
function countFault(job: TrackedJob, fault: Fault): boolean {
	job[fault] = ((job[fault] as number | undefined) ?? 0) + 1;
	return (job[fault] as number) >= MAX_FAULTS_IN_A_ROW;
}

async function pollOnce(this: IExecuteFunctions, job: TrackedJob, round: Round): Promise<void> {
	const { settings } = round;
	let status;
	job.checks = (job.checks ?? 0) + 1;
	try {
		status = await checkJob.call(this, job.jobId, job.itemIndex);
	} catch (error) {
		job.lastPollAt = Date.now();
		if (!(error instanceof RoboflowRequestError)) return giveUp.call(this, job, round, 'unknown', asNodeError(this.getNode(), error, job.itemIndex));
		if (error.statusCode === 429) {
			// "Not yet": Roboflow says when it will answer again.
			job.notBefore = job.lastPollAt + Math.max(error.retryAfterMs ?? settings.intervalMs, 1000);
			return;
		}
		if (error.failedWith === 'unreadable') {
			if (!countFault(job, 'unreadableAnswers')) return;
			error.message = `Roboflow's status answers for job ${job.jobId} could not be read ${MAX_FAULTS_IN_A_ROW} times in a row: ${error.message.replace(/^.*?: /, '')}`;
			error.description = `The job may still be running at Roboflow: pick it up later with Get Status or another Wait For Result on job ${job.jobId}. ${error.description ?? ''}`.trim();
			return giveUp.call(this, job, round, 'unknown', error);
		}
		if (error.transient && !countFault(job, 'transientFailures')) return;
		error.description = `${error.description ?? ''} Job ${job.jobId} may still be running at Roboflow: pick it up later with Get Status or another Wait For Result.`.trim();
		return giveUp.call(this, job, round, 'unknown', error);
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
			description: failedJobAdvice(status.error),
			itemIndex: job.itemIndex,
		});
		return giveUp.call(this, job, round, 'failed', error);
	}
	// Completed: note the results link; the results are fetched when no job is still running.
	job.completed = true;
	job.outputUrl = status.output_url as string;
	job.outputUrlAt = job.lastPollAt;
}

/**
 * What to do about a job Roboflow reports as failed, by what its message says failed. Roboflow
 * documents only that a status above 1 means failed; the code does not say what failed (the
 * emulator's 2 and 3 are its own convention), so the message decides, and a message that names
 * nothing gets advice for both the video and the models. Every advice ends with a new job: a
 * failed job cannot be resumed.
 */
export function failedJobAdvice(message: string | undefined): string {
	const text = message ?? '';
	const again = 'then start a new job.';
	if (/decod|codec|corrupt|damaged|unreadable|could not be (read|opened)|cannot (read|open)|invalid ?video|moov|probe|unsupported (video|format|container)/i.test(text)) {
		return `Roboflow could not decode the video: the file may be damaged, cut off, or in a codec it cannot read. Check that it plays, re-encode it (e.g. H.264 in mp4), upload it again and ${again}`;
	}
	if (/download|could not (be )?(fetch|retriev|access)|InputVideoNotFound|\b(video|input[_ ]url|url|file)\b[^.]*\b(not found|404|403|forbidden|denied|expired)/i.test(text)) {
		return `Roboflow could not fetch the video from its Video URL. Check that the URL is public and still valid (an Upload Video link expires; uploads are kept for a week): upload the video again or fix the URL, ${again}`;
	}
	if (/infer_?fps|\bfps\b|frame ?rate/i.test(text)) {
		return `Set Inference FPS to at most the video's own frame rate (ideally a divisor of it, 1 to 120), ${again}`;
	}
	if (/model|inference[_ ]type|version|weights|project/i.test(text)) {
		return `A model could not run on this video. Check each model's ID and version (trained, and in this workspace or public on Universe) and its Inference Type (Automatic reads it from the model's project), ${again}`;
	}
	return `Roboflow's message above says what failed. If it is the video: check that it plays and that its URL is public and current. If it is a model: check its ID, version and Inference Type. Then start a new job.`;
}
