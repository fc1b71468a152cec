/** The shapes of a video inference job: what was asked, what it is now, what a test may see. */
import type { Fault } from './faults';
import type { VideoInfo } from './media';
import type { ResultsFile, ResultsModel } from './results';

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
