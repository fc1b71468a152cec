/**
 * A job's preparation, the real I/O between an accepted POST /videoinfer/ and its running
 * state (status polls await it): check each model's inference_type and model/version, fetch
 * the video (from the emulator's storage or by downloading input_url), probe it, check
 * infer_fps against the video frame rate, and set when the simulated processing ends.
 * Problems with the request end the job with status 2, problems with the video with status 3,
 * as the real service reports them: as a failed job, never as a refused request.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isVideoInferenceType, modelProblem } from './catalog';
import type { Job, ProcessingOptions, StoredVideoLookup } from './job-types';
import { probeVideo, VideoProbeError } from './media';
import { download, redactUrl } from './video-download';

const VIDEO_INFERENCE_FPS_LIMIT = 120;

export const DEFAULT_PROCESSING: Required<Omit<ProcessingOptions, 'fixedSeconds'>> = {
	baseSeconds: 30,
	secondsPerVideoSecondPerModel: 0.5,
};

export interface PreparationSettings {
	processing: () => ProcessingOptions;
	workDir: string;
	storedVideo: StoredVideoLookup;
}

/** Sets job.video and job.readyAt, or job.earlyFailure with what went wrong. */
export async function prepareJob(job: Job, settings: PreparationSettings, downloadSignal: AbortSignal): Promise<void> {
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
	const stored = settings.storedVideo(inputUrl);
	if (stored) {
		if (!stored.found) return fail(3, 'InputVideoNotFound', stored.reason);
		videoPath = stored.filePath;
	} else {
		const jobDir = path.join(settings.workDir, 'jobs', job.id);
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
	job.readyAt = job.createdAt + simulatedSeconds(settings, job.video.durationSeconds, job.models.length) * 1000;
}

function simulatedSeconds(settings: PreparationSettings, videoSeconds: number, modelCount: number): number {
	const processing = settings.processing();
	if (processing.fixedSeconds !== undefined) return processing.fixedSeconds;
	const base = processing.baseSeconds ?? DEFAULT_PROCESSING.baseSeconds;
	const perSecond = processing.secondsPerVideoSecondPerModel ?? DEFAULT_PROCESSING.secondsPerVideoSecondPerModel;
	return base + videoSeconds * modelCount * perSecond;
}
