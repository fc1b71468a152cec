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
 *
 * Object detection, instance segmentation and keypoint frames come from a scene (motion.ts):
 * objects with identities and classes enter at the edges, move along smooth paths, stop and
 * wait, pass behind each other and leave; the detector misses some, jitters every box and now
 * and then reports a low-confidence false positive for one frame. A segmentation polygon and a
 * skeleton's keypoints keep their object's shape and follow its box. Roboflow sends no
 * identity: detection_id is new for every detection, as Roboflow's is.
 */
import { findProject, type VideoInferenceType } from './catalog';
import { DEFAULT_DETECTOR, detect, PathBuilder, planFrom, randomTraffic, sceneSampler, type Detection, type ObjectPlan, type Scene } from './motion';
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
		if (isDetectionType(model.inference_type)) {
			results[model.model_id] = detectionFrames(model as ResultsModel & { inference_type: DetectionType }, modelSeed, offsets, input.video.fps, image, threshold, skipEvery, skipPhase);
			continue;
		}
		results[model.model_id] = offsets.map((offset, i) => {
			if (i % skipEvery === skipPhase) return null;
			const rng = createRng(modelSeed, offset);
			return buildFrame(model, rng, image, threshold);
		});
	}
	return results;
}

type DetectionType = 'object-detection' | 'instance-segmentation' | 'keypoint-detection';
const isDetectionType = (type: VideoInferenceType): type is DetectionType =>
	type === 'object-detection' || type === 'instance-segmentation' || type === 'keypoint-detection';

function confidenceThreshold(params: Record<string, unknown> | undefined): number {
	const value = params?.confidence;
	return typeof value === 'number' && value >= 0 && value <= 1 ? value : DEFAULT_CONFIDENCE;
}

type Image = { width: number; height: number };

function buildFrame(model: ResultsModel, rng: Rng, image: Image, threshold: number): unknown {
	switch (model.inference_type) {
		case 'classification':
			return classificationFrame(model, rng, image, threshold);
		case 'clip-embed-image':
			return clipEmbedding(rng);
		case 'gaze-detection':
			return gazeFrame(rng, image);
		default:
			throw new Error(`${model.inference_type} frames come from a scene (detectionFrames)`);
	}
}

function classesOf(modelId: string): string[] {
	return findProject(modelId)?.classes ?? ['object'];
}

function computeTime(rng: Rng): number {
	return round(rng.between(0.02, 0.12), 4);
}

/**
 * The scene of a detection-type model: objects of the project's classes, 8% to 35% of the image
 * wide, crossing it at 10% to 30% of its width per second, about one and a half in view on
 * average (with quiet stretches, so some frames see nothing). The video opens mid-scene, and
 * classes take turns so that even a few seconds of video show each of them.
 */
function emulatorScene(modelId: string, rng: Rng, image: Image, durationSeconds: number): Scene {
	const classes = classesOf(modelId);
	const objects = randomTraffic(rng, {
		image,
		classCount: classes.length,
		duration: durationSeconds,
		arrivalsPerSecond: 0.35,
		size: [0.08, 0.35],
		speed: [0.1, 0.3],
		classesInTurn: true,
		firstId: classes.length + 1,
	});
	return { image, classes, objects: [...openingCast(rng, image, classes.length), ...objects], occluders: [] };
}

/**
 * One object of each class in view when the video opens, drifting slowly and leaving after 4 to
 * 8 s, seen clearly (confidence 0.75 to 0.95). Without it a short clip (the 4 s sample) could
 * open in a quiet stretch and show nothing at all: the demo and the tests would then depend on
 * the upload's random name. Their ids come first; the traffic's follow.
 */
function openingCast(rng: Rng, image: Image, classCount: number): ObjectPlan[] {
	const cast: ObjectPlan[] = [];
	for (let classIndex = 0; classIndex < classCount; classIndex++) {
		const width = rng.between(0.12, 0.25) * image.width;
		const height = Math.min(width * rng.between(0.8, 1.4), image.height * 0.5);
		const x = rng.between(0.2, 0.8) * image.width;
		const y = rng.between(0.25, 0.75) * image.height;
		const path = new PathBuilder(x, y, rng.between(-Math.PI, Math.PI));
		path.move(rng.between(4, 8), rng.between(0.02, 0.06) * image.width, rng.between(-0.2, 0.2));
		cast.push(planFrom(path, { id: classIndex + 1, classIndex, start: -1, x, y, width, height, confidence: rng.between(0.75, 0.95) }));
	}
	return cast;
}

/**
 * A detection-type model's list. Every detection, false positives included, is drawn before the
 * confidence threshold applies, so raising the threshold removes predictions without changing
 * the survivors; a frame the model skips (null) still lets the scene move on.
 */
function detectionFrames(
	model: ResultsModel & { inference_type: DetectionType },
	modelSeed: number,
	offsets: number[],
	videoFps: number,
	image: Image,
	threshold: number,
	skipEvery: number,
	skipPhase: number,
): unknown[] {
	const durationSeconds = offsets.length ? offsets[offsets.length - 1] / videoFps + 1 : 0;
	const scene = emulatorScene(model.model_id, createRng(modelSeed, 'scene'), image, durationSeconds);
	const at = sceneSampler(scene);
	const detector = createRng(modelSeed, 'detector');
	const looks = new Looks(modelSeed, model);
	return offsets.map((offset, i) => {
		if (i % skipEvery === skipPhase) return null;
		const rng = createRng(modelSeed, offset);
		const detections = detect(at(offset / videoFps), detector, DEFAULT_DETECTOR, image, scene.classes.length);
		const predictions: Array<Record<string, unknown>> = [];
		for (const d of detections) {
			const prediction: Record<string, unknown> = {
				x: d.x,
				y: d.y,
				width: d.width,
				height: d.height,
				confidence: d.confidence,
				class: scene.classes[d.classIndex],
				class_id: d.classIndex,
				detection_id: rng.uuid(),
			};
			if (model.inference_type === 'instance-segmentation') prediction.points = looks.polygon(d, rng);
			if (model.inference_type === 'keypoint-detection') prediction.keypoints = looks.keypoints(d, rng);
			if (d.confidence >= threshold) predictions.push(prediction);
		}
		return { time: computeTime(rng), image, predictions };
	});
}

/**
 * Each object's shape, kept from frame to frame: its outline (radius factors around the box) and
 * where its keypoints sit in its box. A false positive gets a shape of its own for its one frame.
 */
class Looks {
	private readonly outlines = new Map<number, number[]>();
	private readonly skeletons = new Map<number, Array<{ fx: number; fy: number; confidence: number }>>();
	private readonly keypointNames: string[];

	constructor(
		private readonly seed: number,
		model: ResultsModel,
	) {
		this.keypointNames = findProject(model.model_id)?.keypoints ?? ['point'];
	}

	polygon(d: Detection, rng: Rng): Array<{ x: number; y: number }> {
		let outline = d.objectId === null ? undefined : this.outlines.get(d.objectId);
		if (!outline) {
			const shape = d.objectId === null ? rng : createRng(this.seed, 'outline', d.objectId);
			outline = Array.from({ length: shape.int(8, 16) }, () => shape.between(0.8, 1));
			if (d.objectId !== null) this.outlines.set(d.objectId, outline);
		}
		return outline.map((factor, i) => {
			const angle = (2 * Math.PI * i) / outline.length;
			const wobble = factor * rng.between(0.97, 1.03);
			return { x: round(d.x + Math.cos(angle) * (d.width / 2) * wobble, 1), y: round(d.y + Math.sin(angle) * (d.height / 2) * wobble, 1) };
		});
	}

	keypoints(d: Detection, rng: Rng): unknown[] {
		let skeleton = d.objectId === null ? undefined : this.skeletons.get(d.objectId);
		if (!skeleton) {
			const shape = d.objectId === null ? rng : createRng(this.seed, 'skeleton', d.objectId);
			skeleton = this.keypointNames.map(() => ({ fx: shape.between(-0.45, 0.45), fy: shape.between(-0.45, 0.45), confidence: shape.between(0.5, 0.95) }));
			if (d.objectId !== null) this.skeletons.set(d.objectId, skeleton);
		}
		return skeleton.map((point, classId) => ({
			x: round(d.x + (point.fx + rng.between(-0.02, 0.02)) * d.width, 1),
			y: round(d.y + (point.fy + rng.between(-0.02, 0.02)) * d.height, 1),
			confidence: round(Math.min(0.99, Math.max(0.3, point.confidence + rng.between(-0.08, 0.08))), 3),
			class_id: classId,
			class: this.keypointNames[classId],
		}));
	}
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
