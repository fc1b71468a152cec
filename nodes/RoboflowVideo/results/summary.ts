import type { IDataObject } from 'n8n-workflow';

import { kindOfEntry, keepPrediction, type ModelKind, type Prediction, type ResultFilters } from './frames';
import type { OffsetKey, ResultsVisitor } from './scanner';

/**
 * The Summary output: per model and class, how often and when it was seen. Pure. Built frame by
 * frame as the results file streams past (see scanner.ts), so it holds only the counts, never
 * the frames; filters are applied to each prediction as it is counted, without copying frames.
 */

function round(value: number, digits = 4): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

interface ClassStats {
	detections: number;
	frames: number;
	maxConfidence: number;
	confidenceSum: number;
	/** Frame indexes: the times may come after the model's list in the file, so they are looked up at the end. */
	firstFrame: number;
	lastFrame: number;
}

class ModelSummary {
	kind: ModelKind = 'unknown';
	inferred = 0;
	framesWithPredictions = 0;
	readonly classes = new Map<string, ClassStats>();
	faces = 0;
	maxFaces = 0;
	yawSum = 0;
	pitchSum = 0;
	embeddingSize = 0;
	/** Classes seen in the current frame, with their confidences (reused from frame to frame). */
	private readonly inFrame = new Map<string, { count: number; sum: number; max: number }>();

	add(index: number, entry: unknown, filters: ResultFilters): void {
		if (entry === null || entry === undefined) return;
		this.inferred++;
		if (this.kind === 'unknown') this.kind = kindOfEntry(entry) ?? 'unknown';
		switch (this.kind) {
			case 'unknown':
				return;
			case 'clip-embedding':
				if (!this.embeddingSize && Array.isArray(entry)) this.embeddingSize = entry.length;
				return;
			case 'classification':
				return this.addClassification(index, entry as IDataObject, filters);
			case 'gaze-detection':
				return this.addGaze(index, entry as IDataObject, filters);
			default:
				return this.addDetections(index, entry as IDataObject, filters);
		}
	}

	private addClassification(index: number, frame: IDataObject, filters: ResultFilters): void {
		const top = frame.top;
		if (top === null || top === undefined || top === '') return;
		const confidence = Number(frame.confidence ?? 0);
		if (!keepPrediction({ class: String(top), confidence }, filters)) return;
		this.framesWithPredictions++;
		this.sighting(String(top), index, 1, confidence, confidence);
	}

	private addGaze(index: number, frame: IDataObject, filters: ResultFilters): void {
		let kept = 0;
		let sum = 0;
		let max = 0;
		for (const p of (frame.predictions ?? []) as Prediction[]) {
			const face = (p.face ?? {}) as Prediction;
			const confidence = Number(face.confidence ?? 0);
			if (!keepPrediction({ class: face.class ?? 'face', confidence }, filters)) continue;
			kept++;
			sum += confidence;
			max = Math.max(max, confidence);
			this.yawSum += Number(p.yaw ?? 0);
			this.pitchSum += Number(p.pitch ?? 0);
		}
		if (!kept) return;
		this.framesWithPredictions++;
		this.faces += kept;
		this.maxFaces = Math.max(this.maxFaces, kept);
		this.sighting('face', index, kept, sum, max);
	}

	private addDetections(index: number, frame: IDataObject, filters: ResultFilters): void {
		const inFrame = this.inFrame;
		inFrame.clear();
		for (const p of (frame.predictions ?? []) as Prediction[]) {
			if (!keepPrediction(p, filters)) continue;
			const name = String(p.class ?? 'unknown');
			const confidence = Number(p.confidence ?? 0);
			const seen = inFrame.get(name);
			if (seen) {
				seen.count++;
				seen.sum += confidence;
				seen.max = Math.max(seen.max, confidence);
			} else inFrame.set(name, { count: 1, sum: confidence, max: confidence });
		}
		if (!inFrame.size) return;
		this.framesWithPredictions++;
		for (const [name, seen] of inFrame) this.sighting(name, index, seen.count, seen.sum, seen.max);
	}

	private sighting(name: string, index: number, count: number, sum: number, max: number): void {
		const s = this.classes.get(name);
		if (!s) {
			this.classes.set(name, { detections: count, frames: 1, maxConfidence: max, confidenceSum: sum, firstFrame: index, lastFrame: index });
			return;
		}
		s.detections += count;
		s.frames++;
		s.confidenceSum += sum;
		s.maxConfidence = Math.max(s.maxConfidence, max);
		s.firstFrame = Math.min(s.firstFrame, index);
		s.lastFrame = Math.max(s.lastFrame, index);
	}

	finish(times: number[]): IDataObject {
		const summary: IDataObject = { type: this.kind, frames_inferred: this.inferred };
		if (this.kind === 'clip-embedding') {
			summary.embeddings = this.inferred;
			summary.embedding_size = this.embeddingSize;
			return summary;
		}
		summary.frames_with_predictions = this.framesWithPredictions;
		if (this.kind === 'gaze-detection') {
			summary.faces_detected = this.faces;
			summary.max_faces_in_frame = this.maxFaces;
			// Roboflow reports yaw and pitch in radians; degrees read better in a message.
			summary.mean_yaw_degrees = this.faces ? round(((this.yawSum / this.faces) * 180) / Math.PI, 2) : null;
			summary.mean_pitch_degrees = this.faces ? round(((this.pitchSum / this.faces) * 180) / Math.PI, 2) : null;
		}
		const classes: IDataObject = {};
		for (const name of [...this.classes.keys()].sort()) {
			const s = this.classes.get(name)!;
			const entry: IDataObject = {
				frames: s.frames,
				max_confidence: round(s.maxConfidence),
				mean_confidence: s.detections ? round(s.confidenceSum / s.detections) : 0,
				first_seen: times[s.firstFrame] ?? 0,
				last_seen: times[s.lastFrame] ?? 0,
			};
			// A classifier names one class per frame: "detections" would only repeat "frames".
			if (this.kind !== 'classification') entry.detections = s.detections;
			classes[name] = entry;
		}
		summary.classes = classes;
		return summary;
	}
}

/** Reads a results file into its Summary, one frame at a time (hand it to a ResultsScanner). */
export class SummaryBuilder implements ResultsVisitor {
	private times: number[] = [];
	private frameOffsets = 0;
	private readonly models = new Map<string, ModelSummary>();

	constructor(protected readonly filters: ResultFilters) {}

	offsets(key: OffsetKey, values: number[]): void {
		if (key === 'time_offset') this.times = values;
		else this.frameOffsets = values.length;
	}

	modelStart(modelId: string): void {
		this.models.set(modelId, new ModelSummary());
	}

	frame(modelId: string, index: number, entry: unknown): void {
		this.models.get(modelId)!.add(index, entry, this.filters);
	}

	/** `frames`: the file's frame count (its longest list). */
	summary(jobId: string, frames: number): IDataObject {
		const times = this.times;
		// Each inferred frame stands for the stretch of video until the next one.
		const step = times.length > 1 ? times[times.length - 1] - times[times.length - 2] : 0;
		const models: IDataObject = {};
		for (const [modelId, model] of this.models) models[modelId] = model.finish(times);
		const { filters } = this;
		return {
			job_id: jobId,
			state: 'completed',
			frames_inferred: Math.max(frames, this.frameOffsets),
			video_seconds_covered: times.length ? round(times[times.length - 1] + step, 3) : 0,
			models,
			...(filters.minConfidence || filters.classes?.length
				? { filters: { min_confidence: filters.minConfidence ?? 0, classes: filters.classes ?? [] } }
				: {}),
		};
	}
}

/**
 * The Summary of a results file already parsed into an object (the node streams instead; this
 * serves files that are small and already in memory, and tests that check the streaming path
 * against it).
 */
export function summarise(jobId: string, results: Record<string, unknown>, filters: ResultFilters): IDataObject {
	const builder = new SummaryBuilder(filters);
	let frames = 0;
	for (const key of ['frame_offset', 'time_offset'] as const) {
		const values = results[key];
		if (Array.isArray(values)) {
			builder.offsets(key, values.map(Number));
			frames = Math.max(frames, values.length);
		}
	}
	for (const [modelId, entries] of Object.entries(results)) {
		if (isOffsetsKey(modelId) || !Array.isArray(entries)) continue;
		builder.modelStart(modelId);
		entries.forEach((entry, index) => builder.frame(modelId, index, entry));
		frames = Math.max(frames, entries.length);
	}
	return builder.summary(jobId, frames);
}

function isOffsetsKey(key: string): boolean {
	return key === 'frame_offset' || key === 'time_offset';
}
