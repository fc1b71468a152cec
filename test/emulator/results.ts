/**
 * The results file a finished job's output_signed_url serves.
 *
 * Format (see ../shared/roboflow-api.md beside this checkout, "The results file"): lists of equal
 * length, one entry per inferred frame, singular keys as Roboflow's own code reads them:
 *   frame_offset: [0, 6, 12, ...]          frame_offset[i] = round(i * video_fps / infer_fps)
 *   time_offset:  [0, 0.25, 0.5, ...]      frame_offset / video_fps, 4 decimals
 *   "<model_id>": [FRAME | null, ...]       null where that model did not infer the frame
 * FRAME depends on the inference type (detection, segmentation, keypoints,
 * classification, a bare CLIP embedding array, gaze). Everything is derived from
 * the emulator seed and the job input through a seeded PRNG, so the same job
 * always yields the same file.
 */
import { findProject, type VideoInferenceType } from './catalog';
import { createRng, seedFrom, type Rng } from './prng';

export interface ResultsModel {
	model_id: string;
	model_version: string;
	inference_type: VideoInferenceType;
	inference_params?: Record<string, unknown>;
}

export interface ResultsInput {
	seed: number;
	/** Identifies the input so different videos get different predictions (not the job id: reruns match). */
	inputKey: string;
	inferFps: number;
	video: { fps: number; frameCount: number; durationSeconds: number; width?: number; height?: number };
	models: ResultsModel[];
}

export type ResultsFile = Record<string, unknown[]> & { frame_offset: number[]; time_offset: number[] };

/** Roboflow's hosted inference default when inference_params.confidence is absent. */
export const DEFAULT_CONFIDENCE = 0.4;
export const CLIP_EMBEDDING_LENGTH = 512;
const DEFAULT_IMAGE = { width: 640, height: 480 };

export function frameOffsets(videoFps: number, frameCount: number, inferFps: number): number[] {
	const offsets: number[] = [];
	for (let i = 0; ; i++) {
		const offset = Math.round((i * videoFps) / inferFps);
		if (offset >= frameCount) break;
		offsets.push(offset);
	}
	return offsets;
}

const round = (value: number, decimals: number): number => {
	const factor = 10 ** decimals;
	return Math.round(value * factor) / factor;
};

export function buildResults(input: ResultsInput): ResultsFile {
	const offsets = frameOffsets(input.video.fps, input.video.frameCount, input.inferFps);
	const results: ResultsFile = {
		frame_offset: offsets,
		time_offset: offsets.map((offset) => round(offset / input.video.fps, 4)),
	};
	const image = {
		width: input.video.width || DEFAULT_IMAGE.width,
		height: input.video.height || DEFAULT_IMAGE.height,
	};
	for (const model of input.models) {
		const modelSeed = seedFrom(input.seed, input.inputKey, model.model_id, model.model_version, model.inference_type);
		// Each model skips one frame in every `skipEvery` (as a busy worker would), starting at a model-specific phase.
		const skipEvery = 5 + (modelSeed % 3);
		const skipPhase = modelSeed % skipEvery;
		const threshold = confidenceThreshold(model.inference_params);
		results[model.model_id] = offsets.map((offset, i) => {
			if (i % skipEvery === skipPhase) return null;
			const rng = createRng(modelSeed, offset);
			return buildFrame(model, rng, image, threshold);
		});
	}
	return results;
}

function confidenceThreshold(params: Record<string, unknown> | undefined): number {
	const value = params?.confidence;
	return typeof value === 'number' && value >= 0 && value <= 1 ? value : DEFAULT_CONFIDENCE;
}

type Image = { width: number; height: number };

function buildFrame(model: ResultsModel, rng: Rng, image: Image, threshold: number): unknown {
	switch (model.inference_type) {
		case 'object-detection':
		case 'instance-segmentation':
		case 'keypoint-detection':
			return detectionFrame(model, rng, image, threshold);
		case 'classification':
			return classificationFrame(model, rng, image, threshold);
		case 'clip-embed-image':
			return clipEmbedding(rng);
		case 'gaze-detection':
			return gazeFrame(rng, image);
	}
}

function classesOf(modelId: string): string[] {
	return findProject(modelId)?.classes ?? ['object'];
}

function computeTime(rng: Rng): number {
	return round(rng.between(0.02, 0.12), 4);
}

/**
 * Candidates are drawn first and filtered afterwards, so raising the confidence
 * threshold removes predictions without changing the survivors.
 */
function detectionFrame(model: ResultsModel, rng: Rng, image: Image, threshold: number): unknown {
	const classes = classesOf(model.model_id);
	const candidates = rng.next() < 0.2 ? 0 : rng.int(1, 4); // about one frame in five sees nothing
	const predictions: Array<Record<string, unknown>> = [];
	for (let k = 0; k < candidates; k++) {
		const width = round(rng.between(0.08, 0.35) * image.width, 1);
		const height = round(rng.between(0.1, 0.45) * image.height, 1);
		const x = round(rng.between(width / 2, image.width - width / 2), 1);
		const y = round(rng.between(height / 2, image.height - height / 2), 1);
		const confidence = round(rng.between(0.15, 0.99), 3);
		const classId = rng.int(0, classes.length - 1);
		const prediction: Record<string, unknown> = {
			x,
			y,
			width,
			height,
			confidence,
			class: classes[classId],
			class_id: classId,
			detection_id: rng.uuid(),
		};
		if (model.inference_type === 'instance-segmentation') prediction.points = polygonAround(rng, x, y, width, height);
		if (model.inference_type === 'keypoint-detection') prediction.keypoints = keypointsIn(rng, model.model_id, x, y, width, height);
		if (confidence >= threshold) predictions.push(prediction);
	}
	return { time: computeTime(rng), image, predictions };
}

function polygonAround(rng: Rng, x: number, y: number, width: number, height: number): Array<{ x: number; y: number }> {
	const count = rng.int(8, 16);
	const points: Array<{ x: number; y: number }> = [];
	for (let i = 0; i < count; i++) {
		const angle = (2 * Math.PI * i) / count;
		const wobble = rng.between(0.8, 1);
		points.push({ x: round(x + Math.cos(angle) * (width / 2) * wobble, 1), y: round(y + Math.sin(angle) * (height / 2) * wobble, 1) });
	}
	return points;
}

function keypointsIn(rng: Rng, modelId: string, x: number, y: number, width: number, height: number): unknown[] {
	const names = findProject(modelId)?.keypoints ?? ['point'];
	return names.map((name, classId) => ({
		x: round(rng.between(x - width / 2, x + width / 2), 1),
		y: round(rng.between(y - height / 2, y + height / 2), 1),
		confidence: round(rng.between(0.3, 0.99), 3),
		class_id: classId,
		class: name,
	}));
}

function classificationFrame(model: ResultsModel, rng: Rng, image: Image, threshold: number): unknown {
	const classes = classesOf(model.model_id);
	const weights = classes.map(() => rng.next() ** 3 + 0.01);
	const total = weights.reduce((sum, w) => sum + w, 0);
	const ranked = classes
		.map((name, classId) => ({ class: name, class_id: classId, confidence: round(weights[classId] / total, 4) }))
		.sort((a, b) => b.confidence - a.confidence);
	return {
		time: computeTime(rng),
		image,
		predictions: ranked.filter((p) => p.confidence >= threshold),
		top: ranked[0].class,
		confidence: ranked[0].confidence,
	};
}

/** A unit-length embedding, like CLIP's image embeddings. */
function clipEmbedding(rng: Rng): number[] {
	const raw = Array.from({ length: CLIP_EMBEDDING_LENGTH }, () => rng.between(-1, 1));
	const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0));
	return raw.map((v) => round(v / norm, 6));
}

function gazeFrame(rng: Rng, image: Image): unknown {
	const faces = rng.next() < 0.25 ? 0 : rng.int(1, 2);
	const predictions = [];
	for (let k = 0; k < faces; k++) {
		const width = round(rng.between(0.1, 0.25) * image.width, 1);
		const height = round(width * rng.between(1.1, 1.35), 1);
		const x = round(rng.between(width / 2, image.width - width / 2), 1);
		const y = round(rng.between(height / 2, image.height - height / 2), 1);
		// Six landmarks: eyes, nose, mouth, ears, in the order face detectors report them.
		const landmarks = [
			[-0.2, -0.15],
			[0.2, -0.15],
			[0, 0.05],
			[0, 0.25],
			[-0.45, -0.05],
			[0.45, -0.05],
		].map(([dx, dy]) => ({ x: round(x + dx * width, 1), y: round(y + dy * height, 1) }));
		predictions.push({
			face: { x, y, width, height, confidence: round(rng.between(0.6, 0.99), 3), class: 'face', class_id: 0, landmarks },
			yaw: round(rng.between(-0.7, 0.7), 4),
			pitch: round(rng.between(-0.5, 0.5), 4),
		});
	}
	return { predictions, time: computeTime(rng), time_face_det: computeTime(rng), time_gaze_det: computeTime(rng) };
}
