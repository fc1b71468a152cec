import type { IDataObject } from 'n8n-workflow';

import { ModelAnalytics, type AnalyticsSettings, type ClassAnswers } from './analytics/analytics';
import type { Detection } from './analytics/tracker';
import { kindOfEntry, keepPrediction, type ModelKind, type Prediction, type ResultFilters } from './frames';
import type { LeanFrame } from './leanFrame';
import { TimesNeededFirst, type OffsetKey, type ResultsVisitor } from './scanner';

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
	/** The last frame counted in `frames` (a frame counts once however many detections it has). */
	frame: number;
}

/** The kinds whose predictions are boxes of objects, which tracking follows. */
const TRACKED_KINDS = new Set<ModelKind>(['object-detection', 'instance-segmentation', 'keypoint-detection']);

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
	/** The current frame's kept predictions, for the tracking (reused from frame to frame). */
	private readonly kept: Array<Detection & { class?: unknown }> = [];
	/** Per class answers, once finished (see analytics/). */
	answers?: Map<string, ClassAnswers>;

	constructor(private readonly analytics?: ModelAnalytics) {}

	/** `time`: the frame's time, when tracking (it needs the times before the frames). */
	add(index: number, entry: unknown, filters: ResultFilters, time = 0): void {
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
				return this.addDetections(index, entry as IDataObject, filters, time);
		}
	}

	/**
	 * A detection-like frame read lean (the scanner's fast path): counted as add() counts it.
	 * Declined (false) when the model has shown another kind: then add() gets the whole frame.
	 */
	addLean(index: number, frame: LeanFrame, filters: ResultFilters, time: number): boolean {
		if (this.kind === 'unknown') this.kind = frame.kind ?? 'unknown';
		else if (!TRACKED_KINDS.has(this.kind)) return false;
		this.inferred++;
		if (this.kind !== 'unknown') this.addDetections(index, frame, filters, time);
		return true;
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

	private addDetections(index: number, frame: { predictions?: unknown; image?: unknown }, filters: ResultFilters, time: number): void {
		const kept = this.kept;
		kept.length = 0;
		let any = false;
		// This runs for every prediction of every frame: each is counted into its class at once.
		for (const p of (frame.predictions ?? []) as Prediction[]) {
			if (!keepPrediction(p, filters)) continue;
			if (this.analytics) kept.push(p as unknown as Detection);
			const name = String(p.class ?? 'unknown');
			const confidence = Number(p.confidence ?? 0);
			let s = this.classes.get(name);
			if (!s) {
				s = { detections: 0, frames: 0, maxConfidence: confidence, confidenceSum: 0, firstFrame: index, lastFrame: index, frame: -1 };
				this.classes.set(name, s);
			}
			s.detections++;
			s.confidenceSum += confidence;
			s.maxConfidence = Math.max(s.maxConfidence, confidence);
			if (s.frame !== index) {
				s.frame = index;
				s.frames++;
				s.firstFrame = Math.min(s.firstFrame, index);
				s.lastFrame = Math.max(s.lastFrame, index);
			}
			any = true;
		}
		// Every frame goes to the trackers, empty ones too: time passing is what ends a track.
		this.analytics?.frame(time, frame.image, kept);
		if (any) this.framesWithPredictions++;
	}

	private sighting(name: string, index: number, count: number, sum: number, max: number): void {
		const s = this.classes.get(name);
		if (!s) {
			this.classes.set(name, { detections: count, frames: 1, maxConfidence: max, confidenceSum: sum, firstFrame: index, lastFrame: index, frame: index });
			return;
		}
		s.detections += count;
		s.frames++;
		s.confidenceSum += sum;
		s.maxConfidence = Math.max(s.maxConfidence, max);
		s.firstFrame = Math.min(s.firstFrame, index);
		s.lastFrame = Math.max(s.lastFrame, index);
	}

	/** `fileFrames`: the results file's frame count; the Summary shows how many of them this model has no result for. */
	finish(times: number[], fileFrames?: number): IDataObject {
		if (this.analytics && TRACKED_KINDS.has(this.kind)) this.answers ??= this.analytics.finish();
		const summary: IDataObject = { type: this.kind, frames_inferred: this.inferred };
		if (fileFrames !== undefined) summary.frames_not_inferred = Math.max(0, fileFrames - this.inferred);
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
			Object.assign(entry, this.answers?.get(name)?.fields);
			classes[name] = entry;
		}
		summary.classes = classes;
		return summary;
	}
}

/** Reads a results file into its Summary, one frame at a time (hand it to a ResultsScanner). */
export class SummaryBuilder implements ResultsVisitor {
	private times: number[] = [];
	private timesKnown = false;
	private frameOffsets = 0;
	protected readonly models = new Map<string, ModelSummary>();

	/** `analytics`: track objects and answer per class (unique objects, appearances, line and zone counts). */
	constructor(
		protected readonly filters: ResultFilters,
		protected readonly analytics?: AnalyticsSettings,
	) {}

	offsets(key: OffsetKey, values: number[]): void {
		if (key === 'time_offset') this.setTimes(values);
		else this.frameOffsets = values.length;
	}

	/** Times known from an earlier read of the same file (see TimesNeededFirst). */
	setTimes(times: number[]): void {
		this.times = times;
		this.timesKnown = true;
	}

	modelStart(modelId: string): void {
		// Tracking needs each frame's time as the frame is read.
		if (this.analytics && !this.timesKnown) throw new TimesNeededFirst();
		this.models.set(modelId, new ModelSummary(this.analytics && new ModelAnalytics(this.analytics, this.binSeconds(), this.frameSeconds())));
	}

	frame(modelId: string, index: number, entry: unknown): void {
		this.models.get(modelId)!.add(index, entry, this.filters, this.times[index] ?? 0);
	}

	leanFrame(modelId: string, index: number, frame: LeanFrame): boolean {
		return this.models.get(modelId)!.addLean(index, frame, this.filters, this.times[index] ?? 0);
	}

	/** Per model and class, what the tracking found (after summary() or finishAnalytics()). */
	answers(): Map<string, Map<string, ClassAnswers>> {
		const out = new Map<string, Map<string, ClassAnswers>>();
		for (const [modelId, model] of this.models) {
			if (model.answers) out.set(modelId, model.answers);
		}
		return out;
	}

	/** Ends the tracking of every model (summary() does it too). */
	finishAnalytics(): void {
		for (const model of this.models.values()) model.finish(this.times);
	}

	/** Time between inferred frames (the first interval: Roboflow infers at a fixed rate). */
	private frameSeconds(): number {
		const times = this.times;
		const step = times.length > 1 ? times[1] - times[0] : 1;
		return step > 0 ? step : 1;
	}

	/** Counts are kept per frame interval, or coarser for long videos: at most about 2,000 bins. */
	private binSeconds(): number {
		return Math.max(this.frameSeconds(), this.videoSeconds() / 2000, 0.001);
	}

	videoSeconds(): number {
		const times = this.times;
		const step = times.length > 1 ? times[times.length - 1] - times[times.length - 2] : 0;
		return times.length ? round(times[times.length - 1] + step, 3) : 0;
	}

	/** `frames`: the file's frame count (its longest list). */
	summary(jobId: string, frames: number): IDataObject {
		const times = this.times;
		// The frames Roboflow took from the video; a model may have no result (null) for some of them.
		const fileFrames = Math.max(frames, this.frameOffsets);
		const models: IDataObject = {};
		for (const [modelId, model] of this.models) models[modelId] = model.finish(times, fileFrames);
		const { filters } = this;
		return {
			job_id: jobId,
			state: 'completed',
			frames_inferred: fileFrames,
			// Each inferred frame stands for the stretch of video until the next one.
			video_seconds_covered: this.videoSeconds(),
			classes: this.classRows(models),
			models,
			...(filters.minConfidence || filters.classes?.length
				? { filters: { min_confidence: filters.minConfidence ?? 0, classes: filters.classes ?? [] } }
				: {}),
		};
	}

	/**
	 * The flat list beside `models`: one row per model and class, sorted by model then class, for
	 * n8n's Table view and for expressions that must not break when a class never occurred:
	 * every class named in the Classes filter has a row in every model (but CLIP), with zeros
	 * when it was not seen.
	 */
	private classRows(models: IDataObject): IDataObject[] {
		const rows: IDataObject[] = [];
		const wanted = uniqueIgnoringCase(this.filters.classes ?? []);
		for (const [modelId, model] of this.models) {
			if (model.kind === 'clip-embedding') continue;
			const classes = ((models[modelId] as IDataObject).classes ?? {}) as Record<string, IDataObject>;
			for (const [name, entry] of Object.entries(classes)) rows.push(classRow(modelId, name, entry));
			const seen = new Set(Object.keys(classes).map((name) => name.toLowerCase()));
			for (const name of wanted) {
				if (!seen.has(name.toLowerCase())) rows.push(this.absentClassRow(modelId, model, name));
			}
		}
		return rows.sort((a, b) => compareNames(String(a.model), String(b.model)) || compareNames(String(a.class), String(b.class)));
	}

	/** The row of a class the Classes filter names but the model never saw (after the filters): zeros, no times. */
	private absentClassRow(modelId: string, model: ModelSummary, name: string): IDataObject {
		const entry: IDataObject = { frames: 0, max_confidence: 0, mean_confidence: 0, first_seen: null, last_seen: null };
		if (model.kind !== 'classification') entry.detections = 0;
		// A detector that found nothing at all never showed its kind: it stays 'unknown'.
		const analytics = this.analytics;
		if (analytics && (TRACKED_KINDS.has(model.kind) || model.kind === 'unknown')) {
			Object.assign(entry, { unique_objects: 0, peak_count: 0, peak_time: null, appearances: [], seconds_present: 0 });
			if (analytics.countingLine) entry.line_crossings = { in: 0, out: 0 };
			if (analytics.zone) entry.zone = { objects_entered: 0, max_inside: 0, seconds_occupied: 0 };
		}
		return classRow(modelId, name, entry);
	}
}

/**
 * A class's entry under `models` as one flat row (scalars only, so the Table view shows every
 * field in its own column): `appearances` becomes `appearance_count` (One Item per Appearance
 * lists them), `line_crossings` and `zone` become `line_crossings_in`, `zone_max_inside`, ….
 */
function classRow(model: string, name: string, entry: IDataObject): IDataObject {
	const row: IDataObject = { model, class: name };
	for (const key of ['detections', 'frames', 'unique_objects', 'peak_count', 'peak_time'] as const) {
		if (key in entry) row[key] = entry[key];
	}
	if (Array.isArray(entry.appearances)) row.appearance_count = entry.appearances.length;
	if ('seconds_present' in entry) row.seconds_present = entry.seconds_present;
	for (const group of ['line_crossings', 'zone'] as const) {
		const fields = entry[group] as IDataObject | undefined;
		if (fields) for (const [key, value] of Object.entries(fields)) row[`${group}_${key}`] = value;
	}
	for (const key of ['first_seen', 'last_seen', 'max_confidence', 'mean_confidence'] as const) row[key] = entry[key];
	return row;
}

/** The names without repeats that differ only in letter case (the first spelling kept). */
function uniqueIgnoringCase(names: string[]): string[] {
	const seen = new Set<string>();
	return names.filter((name) => {
		const key = name.toLowerCase();
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/** Alphabetical without regard to letter case (then by code unit, so the order is always the same). */
function compareNames(a: string, b: string): number {
	const [x, y] = [a.toLowerCase(), b.toLowerCase()];
	if (x !== y) return x < y ? -1 : 1;
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The Summary of a results file already parsed into an object (the node streams instead; this
 * serves files that are small and already in memory, and tests that check the streaming path
 * against it).
 */
export function summarise(jobId: string, results: Record<string, unknown>, filters: ResultFilters, analytics?: AnalyticsSettings): IDataObject {
	const builder = new SummaryBuilder(filters, analytics);
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
