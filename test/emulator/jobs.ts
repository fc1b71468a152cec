/**
 * Video inference jobs in simulated time.
 *
 * There are no timers: a job records when it was created and when it will be
 * done, and its state is computed from Date.now() whenever someone asks. Tests
 * move time with jest.setSystemTime and the job follows.
 *
 * What happens to a job, like the real service (an accepted POST /videoinfer/
 * only means the request was well formed; everything else surfaces later as a
 * failed job):
 *   1. preparation (job-preparation.ts; real I/O, awaited by status polls): models,
 *      infer_fps and the video are checked; problems end the job with status 2 or 3;
 *   2. running until readyAt = createdAt + simulated duration;
 *   3. succeeded (status 0), or failed if a jobFailed fault was attached at creation.
 */
import type { Fault } from './faults';
import type { Job, JobRequest, JobSnapshot, JobStatusAnswer, ProcessingOptions, StoredVideoLookup } from './job-types';
import { prepareJob } from './job-preparation';
import { createRng } from './prng';
import { buildResults, type ResultsFile, type ResultsModel } from './results';

export type { Job, JobFailure, JobRequest, JobSnapshot, JobState, JobStatusAnswer, ProcessingOptions, StoredVideoLookup } from './job-types';
export { DEFAULT_PROCESSING } from './job-preparation';
export { redactUrl } from './video-download';

/** What identifies an input video across runs: its URL path (not host, port or signature). */
function stableInputKey(inputUrl: string): string {
	try {
		return new URL(inputUrl).pathname;
	} catch {
		return inputUrl;
	}
}

export class JobBook {
	private jobs = new Map<string, Job>();
	private jobCounter = 0;
	/** Aborted by clear(), so reset/close never wait for a slow download. */
	private downloads = new AbortController();

	constructor(
		private readonly settings: {
			seed: () => number;
			processing: () => ProcessingOptions;
			workDir: string;
			storedVideo: StoredVideoLookup;
		},
	) {}

	create(request: JobRequest, failAtEnd: Extract<Fault, { type: 'jobFailed' }> | undefined, origin?: Job['origin']): Job {
		this.jobCounter += 1;
		// Job ids are deterministic too (seed + order + input), so two runs of a test match;
		// the input is identified by its path only, since ports and signatures differ per run.
		const stableRequest = { ...request, input_url: stableInputKey(request.input_url) };
		const id = createRng(this.settings.seed(), this.jobCounter, JSON.stringify(stableRequest)).uuid();
		const models: ResultsModel[] = request.models.map((m) => ({
			model_id: m.model_id,
			model_version: String(m.model_version),
			inference_type: m.inference_type as ResultsModel['inference_type'],
			...(m.inference_params ? { inference_params: m.inference_params } : {}),
		}));
		const job: Job = { id, request, models, createdAt: Date.now(), prepared: false, failAtEnd, origin, preparation: Promise.resolve() };
		// Taken now: a clear() before the download even starts must still cancel it.
		job.preparation = prepareJob(job, this.settings, this.downloads.signal).finally(() => {
			job.prepared = true;
		});
		this.jobs.set(id, job);
		return job;
	}

	get(id: string): Job | undefined {
		return this.jobs.get(id);
	}

	all(): Job[] {
		return [...this.jobs.values()];
	}

	/** Forgets every job at once; resolves when their in-flight preparation (downloads, probes) has settled. */
	async clear(): Promise<void> {
		const pending = this.all().map((job) => job.preparation);
		this.jobs.clear();
		this.jobCounter = 0;
		this.downloads.abort();
		this.downloads = new AbortController();
		await Promise.allSettled(pending);
	}

	/** Rate-limit bookkeeping: ms until the next poll is allowed, or 0 (and the poll is counted). */
	admitPoll(job: Job, windowMs: number, now: number): number {
		if (job.lastAcceptedPollAt !== undefined) {
			const wait = job.lastAcceptedPollAt + windowMs - now;
			if (wait > 0) return wait;
		}
		job.lastAcceptedPollAt = now;
		return 0;
	}

	status(job: Job, now: number): JobStatusAnswer {
		if (job.earlyFailure) return { state: 'failed', failure: job.earlyFailure };
		if (!job.prepared || job.readyAt === undefined) return { state: 'running', progress: 0 };
		if (now < job.readyAt) {
			const total = job.readyAt - job.createdAt;
			const progress = total > 0 ? Math.min(0.99, Math.max(0, (now - job.createdAt) / total)) : 0;
			return { state: 'running', progress: Math.floor(progress * 100) / 100 };
		}
		if (job.failAtEnd) {
			return {
				state: 'failed',
				failure: { status: job.failAtEnd.status, message: job.failAtEnd.message, error: job.failAtEnd.error ?? 'InjectedFailure' },
			};
		}
		return { state: 'succeeded' };
	}

	results(job: Job): ResultsFile {
		if (!job.results) {
			job.results = buildResults({
				seed: this.settings.seed(),
				inputKey: `${stableInputKey(job.request.input_url)}#${job.video!.container}#${job.video!.frameCount}`,
				inferFps: job.request.infer_fps,
				video: job.video!,
				models: job.models,
			});
		}
		return job.results;
	}

	snapshot(job: Job, now: number): JobSnapshot {
		const status = this.status(job, now);
		return {
			id: job.id,
			input_url: job.request.input_url,
			infer_fps: job.request.infer_fps,
			models: job.models,
			state: job.prepared ? status.state : 'preparing',
			createdAt: job.createdAt,
			readyAt: job.readyAt,
			video: job.video,
			failure: status.state === 'failed' ? status.failure : undefined,
			progress: status.state === 'running' ? status.progress : undefined,
		};
	}
}
