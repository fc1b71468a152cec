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
 *   1. preparation (real I/O, awaited by status polls): check each model's
 *      inference_type and model/version, fetch the video (from the emulator's
 *      storage or by downloading input_url), probe it, check infer_fps against
 *      the video frame rate. Problems with the request end the job with status 2,
 *      problems with the video with status 3.
 *   2. running until readyAt = createdAt + simulated duration;
 *   3. succeeded (status 0), or failed if a jobFailed fault was attached at creation.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isVideoInferenceType, modelProblem } from './catalog';
import type { Fault } from './faults';
import { probeVideo, VideoProbeError, type VideoInfo } from './media';
import { createRng } from './prng';
import { buildResults, type ResultsFile, type ResultsModel } from './results';

export type JobState = 'preparing' | 'running' | 'succeeded' | 'failed';

export interface JobFailure {
	status: 2 | 3;
	/**
	 * Human-readable; never contains an api key or a signed query string. (A jobFailed
	 * fault's {{placeholders}} stay unexpanded here; only the status answer expands them.)
	 */
	message: string;
	/** Short machine-readable reason. */
	error: string;
}

export interface ProcessingOptions {
	baseSeconds?: number;
	secondsPerVideoSecondPerModel?: number;
	fixedSeconds?: number;
}

export interface JobRequest {
	input_url: string;
	infer_fps: number;
	models: Array<{ model_id: string; model_version: string | number; inference_type: string; inference_params?: Record<string, unknown> }>;
}

export interface JobSnapshot {
	id: string;
	input_url: string;
	infer_fps: number;
	models: ResultsModel[];
	state: JobState;
	createdAt: number;
	/** When the simulated processing ends (undefined until the video is probed, or if the job failed early). */
	readyAt?: number;
	video?: VideoInfo;
	failure?: JobFailure;
	progress?: number;
}

/** Where an uploaded video lives, if input_url points at the emulator's own storage. */
export type StoredVideoLookup = (inputUrl: URL) => { found: true; filePath: string } | { found: false; reason: string } | undefined;

export interface Job {
	id: string;
	request: JobRequest;
	models: ResultsModel[];
	createdAt: number;
	preparation: Promise<void>;
	prepared: boolean;
	video?: VideoInfo;
	earlyFailure?: JobFailure;
	readyAt?: number;
	failAtEnd?: Extract<Fault, { type: 'jobFailed' }>;
	/** Who created the job and how (for jobFailed placeholders); never in a snapshot. */
	origin?: { apiKey: string; requestUrl: string };
	/** Set by the first status poll after readyAt: later fault rules no longer change the outcome. */
	outcomeDecided?: boolean;
	lastAcceptedPollAt?: number;
	results?: ResultsFile;
}

export type JobStatusAnswer =
	| { state: 'running'; progress: number }
	| { state: 'succeeded' }
	| { state: 'failed'; failure: JobFailure };

const DOWNLOAD_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const VIDEO_INFERENCE_FPS_LIMIT = 120;

export const DEFAULT_PROCESSING: Required<Omit<ProcessingOptions, 'fixedSeconds'>> = {
	baseSeconds: 30,
	secondsPerVideoSecondPerModel: 0.5,
};

/** Strips the query (signatures, keys) from a URL before it goes into any message. */
export function redactUrl(raw: string): string {
	try {
		const url = new URL(raw);
		return `${url.origin}${url.pathname}`;
	} catch {
		return '(invalid URL)';
	}
}

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
		job.preparation = this.prepare(job, this.downloads.signal).finally(() => {
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

	private async prepare(job: Job, downloadSignal: AbortSignal): Promise<void> {
		const fail = (status: 2 | 3, error: string, message: string): void => {
			job.earlyFailure = { status, error, message };
		};
		for (const model of job.models) {
			if (!isVideoInferenceType(model.inference_type)) {
				const hint = model.inference_type === 'semantic-segmentation' ? ' Semantic segmentation is not supported for video.' : '';
				return fail(2, 'InvalidInferenceType', `Unsupported inference_type "${model.inference_type}" for model ${model.model_id}.${hint}`);
			}
			const problem = modelProblem(model.model_id, model.model_version, model.inference_type);
			if (problem) return fail(2, 'ModelNotFound', problem);
		}
		if (job.request.infer_fps < 1) return fail(2, 'InvalidInferFps', `infer_fps must be at least 1 (got ${job.request.infer_fps}).`);
		if (job.request.infer_fps > VIDEO_INFERENCE_FPS_LIMIT) {
			return fail(2, 'InvalidInferFps', `infer_fps must not exceed ${VIDEO_INFERENCE_FPS_LIMIT} (got ${job.request.infer_fps}).`);
		}

		let videoPath: string;
		const inputUrl = new URL(job.request.input_url);
		const stored = this.settings.storedVideo(inputUrl);
		if (stored) {
			if (!stored.found) return fail(3, 'InputVideoNotFound', stored.reason);
			videoPath = stored.filePath;
		} else {
			const jobDir = path.join(this.settings.workDir, 'jobs', job.id);
			await mkdir(jobDir, { recursive: true });
			videoPath = path.join(jobDir, 'input-video');
			try {
				await download(inputUrl, videoPath, downloadSignal);
			} catch (error) {
				return fail(3, 'InputVideoDownloadFailed', `The input video could not be downloaded from ${redactUrl(job.request.input_url)}: ${(error as Error).message}`);
			}
		}

		try {
			job.video = await probeVideo(videoPath);
		} catch (error) {
			const reason = error instanceof VideoProbeError ? error.message : 'The input video could not be read.';
			return fail(3, 'InvalidVideo', reason);
		} finally {
			if (!stored) await rm(path.dirname(videoPath), { recursive: true, force: true });
		}
		const videoFps = job.video.fps;
		if (job.request.infer_fps > videoFps + 1e-6) {
			return fail(2, 'InvalidInferFps', `infer_fps (${job.request.infer_fps}) must not exceed the video frame rate (${Math.round(videoFps * 1000) / 1000} fps).`);
		}
		job.readyAt = job.createdAt + this.simulatedSeconds(job.video.durationSeconds, job.models.length) * 1000;
	}

	private simulatedSeconds(videoSeconds: number, modelCount: number): number {
		const processing = this.settings.processing();
		if (processing.fixedSeconds !== undefined) return processing.fixedSeconds;
		const base = processing.baseSeconds ?? DEFAULT_PROCESSING.baseSeconds;
		const perSecond = processing.secondsPerVideoSecondPerModel ?? DEFAULT_PROCESSING.secondsPerVideoSecondPerModel;
		return base + videoSeconds * modelCount * perSecond;
	}
}

/** Streams a public video URL to disk (following redirects), never holding it in memory. */
async function download(url: URL, destination: string, signal: AbortSignal, redirectsLeft = MAX_REDIRECTS): Promise<void> {
	const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
	if (!client) throw new Error(`unsupported protocol ${url.protocol}`);
	const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
		const request = client.get(url, { timeout: DOWNLOAD_TIMEOUT_MS, signal }, resolve);
		request.on('timeout', () => request.destroy(new Error('timed out')));
		request.on('error', reject);
	});
	const status = response.statusCode ?? 0;
	if (status >= 300 && status < 400 && response.headers.location) {
		response.resume();
		if (redirectsLeft === 0) throw new Error('too many redirects');
		return download(new URL(response.headers.location, url), destination, signal, redirectsLeft - 1);
	}
	if (status !== 200) {
		response.resume();
		throw new Error(`HTTP ${status}`);
	}
	await pipeline(response, createWriteStream(destination), { signal });
}
