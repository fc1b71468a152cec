import type { IDataObject } from 'n8n-workflow';

/**
 * Shapes Roboflow's video results file: parallel lists, one entry per inferred frame
 * (`frame_offset`, `time_offset`, then one list per model_id, null where a frame was skipped).
 */
export interface ResultsFile {
	frame_offset?: number[];
	time_offset?: number[];
	[modelId: string]: unknown;
}

export interface ResultFilters {
	/** Predictions below this confidence are left out (0 keeps all). */
	minConfidence?: number;
	/** Only these class names are kept (empty keeps all); compared without letter case. */
	classes?: string[];
}

type Prediction = IDataObject & { class?: string; confidence?: number };

export type ModelKind =
	| 'object-detection'
	| 'instance-segmentation'
	| 'keypoint-detection'
	| 'classification'
	| 'clip-embedding'
	| 'gaze-detection'
	| 'unknown';

const FRAME_KEYS = new Set(['frame_offset', 'time_offset']);

export function modelIdsOf(results: ResultsFile): string[] {
	return Object.keys(results).filter((key) => !FRAME_KEYS.has(key) && Array.isArray(results[key]));
}

/** The file does not say which kind each model is, so it is read off the frames' shape. */
export function detectKind(entries: unknown[]): ModelKind {
	for (const entry of entries) {
		if (entry === null || entry === undefined) continue;
		if (Array.isArray(entry)) return 'clip-embedding';
		const frame = entry as IDataObject;
		if ('top' in frame) return 'classification';
		const predictions = (frame.predictions ?? []) as IDataObject[];
		const first = predictions[0];
		if (!first) continue;
		if ('face' in first) return 'gaze-detection';
		if ('keypoints' in first) return 'keypoint-detection';
		if ('points' in first) return 'instance-segmentation';
		return 'object-detection';
	}
	return 'unknown';
}

function round(value: number, digits = 4): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

function keepPrediction(prediction: Prediction, filters: ResultFilters): boolean {
	if (filters.minConfidence && (prediction.confidence ?? 0) < filters.minConfidence) return false;
	if (filters.classes?.length) {
		const name = String(prediction.class ?? '').toLowerCase();
		if (!filters.classes.some((c) => c.toLowerCase() === name)) return false;
	}
	return true;
}

/** A frame's predictions after the filters; gaze faces are filtered on the face's confidence. */
export function filterFrame(kind: ModelKind, entry: unknown, filters: ResultFilters): unknown {
	if (entry === null || entry === undefined || kind === 'clip-embedding') return entry ?? null;
	const frame = entry as IDataObject;
	const predictions = (frame.predictions ?? []) as Prediction[];
	const kept =
		kind === 'gaze-detection'
			? predictions.filter((p) =>
					keepPrediction({ ...((p.face ?? {}) as Prediction), class: (p.face as Prediction)?.class ?? 'face' }, filters),
				)
			: predictions.filter((p) => keepPrediction(p, filters));
	const filtered: IDataObject = { ...frame, predictions: kept };
	if (kind === 'classification') {
		const top = String(frame.top ?? '');
		const topKept = keepPrediction({ class: top, confidence: Number(frame.confidence ?? 0) }, filters);
		if (!topKept) {
			filtered.top = null;
			filtered.confidence = null;
		}
	}
	return filtered;
}

function hasPredictions(kind: ModelKind, filtered: unknown): boolean {
	if (filtered === null || filtered === undefined || kind === 'clip-embedding') return false;
	const frame = filtered as IDataObject;
	if (kind === 'classification') return frame.top !== null && frame.top !== undefined && frame.top !== '';
	return ((frame.predictions ?? []) as unknown[]).length > 0;
}

interface ClassStats {
	detections: number;
	frames: number;
	max_confidence: number;
	mean_confidence: number;
	first_seen: number;
	last_seen: number;
	confidenceSum: number;
}

function addSighting(stats: Record<string, ClassStats>, name: string, confidences: number[], time: number): void {
	const s = (stats[name] ??= {
		detections: 0,
		frames: 0,
		max_confidence: 0,
		mean_confidence: 0,
		first_seen: time,
		last_seen: time,
		confidenceSum: 0,
	});
	s.detections += confidences.length;
	s.frames += 1;
	for (const c of confidences) {
		s.confidenceSum += c;
		s.max_confidence = Math.max(s.max_confidence, c);
	}
	s.first_seen = Math.min(s.first_seen, time);
	s.last_seen = Math.max(s.last_seen, time);
}

function finishStats(stats: Record<string, ClassStats>, classification: boolean): IDataObject {
	const out: IDataObject = {};
	for (const name of Object.keys(stats).sort()) {
		const s = stats[name];
		const entry: IDataObject = {
			frames: s.frames,
			max_confidence: round(s.max_confidence),
			mean_confidence: s.detections ? round(s.confidenceSum / s.detections) : 0,
			first_seen: s.first_seen,
			last_seen: s.last_seen,
		};
		// A classifier names one class per frame: "detections" would only repeat "frames".
		if (!classification) entry.detections = s.detections;
		out[name] = entry;
	}
	return out;
}

function summariseModel(kind: ModelKind, entries: unknown[], times: number[], filters: ResultFilters): IDataObject {
	const inferred = entries.filter((e) => e !== null && e !== undefined);
	const summary: IDataObject = { type: kind, frames_inferred: inferred.length };

	if (kind === 'clip-embedding') {
		const first = inferred[0] as unknown[] | undefined;
		summary.embeddings = inferred.length;
		summary.embedding_size = first?.length ?? 0;
		return summary;
	}

	const stats: Record<string, ClassStats> = {};
	let framesWithPredictions = 0;
	let faces = 0;
	let maxFaces = 0;
	let yawSum = 0;
	let pitchSum = 0;
	entries.forEach((entry, i) => {
		const filtered = filterFrame(kind, entry, filters) as IDataObject | null;
		if (!filtered || !hasPredictions(kind, filtered)) return;
		framesWithPredictions++;
		const time = times[i] ?? 0;
		if (kind === 'classification') {
			addSighting(stats, String(filtered.top), [Number(filtered.confidence ?? 0)], time);
			return;
		}
		const predictions = filtered.predictions as Prediction[];
		if (kind === 'gaze-detection') {
			faces += predictions.length;
			maxFaces = Math.max(maxFaces, predictions.length);
			for (const p of predictions) {
				yawSum += Number(p.yaw ?? 0);
				pitchSum += Number(p.pitch ?? 0);
			}
			addSighting(
				stats,
				'face',
				predictions.map((p) => Number((p.face as Prediction | undefined)?.confidence ?? 0)),
				time,
			);
			return;
		}
		const byClass: Record<string, number[]> = {};
		for (const p of predictions) (byClass[String(p.class ?? 'unknown')] ??= []).push(Number(p.confidence ?? 0));
		for (const [name, confidences] of Object.entries(byClass)) addSighting(stats, name, confidences, time);
	});

	summary.frames_with_predictions = framesWithPredictions;
	if (kind === 'gaze-detection') {
		summary.faces_detected = faces;
		summary.max_faces_in_frame = maxFaces;
		// Roboflow reports yaw and pitch in radians; degrees read better in a message.
		summary.mean_yaw_degrees = faces ? round(((yawSum / faces) * 180) / Math.PI, 2) : null;
		summary.mean_pitch_degrees = faces ? round(((pitchSum / faces) * 180) / Math.PI, 2) : null;
	}
	summary.classes = finishStats(stats, kind === 'classification');
	return summary;
}

function frameTimes(results: ResultsFile): number[] {
	return (results.time_offset ?? []).map(Number);
}

export function frameCount(results: ResultsFile): number {
	const lengths = [results.frame_offset?.length ?? 0, ...modelIdsOf(results).map((m) => (results[m] as unknown[]).length)];
	return Math.max(0, ...lengths);
}

export function summarise(jobId: string, results: ResultsFile, filters: ResultFilters): IDataObject {
	const times = frameTimes(results);
	const frames = frameCount(results);
	// Each inferred frame stands for the stretch of video until the next one.
	const step = times.length > 1 ? times[times.length - 1] - times[times.length - 2] : 0;
	const models: IDataObject = {};
	for (const modelId of modelIdsOf(results)) {
		const entries = results[modelId] as unknown[];
		models[modelId] = summariseModel(detectKind(entries), entries, times, filters);
	}
	return {
		job_id: jobId,
		state: 'completed',
		frames_inferred: frames,
		video_seconds_covered: times.length ? round(times[times.length - 1] + step, 3) : 0,
		models,
		...(filters.minConfidence || filters.classes?.length
			? { filters: { min_confidence: filters.minConfidence ?? 0, classes: filters.classes ?? [] } }
			: {}),
	};
}

export function perFrame(
	jobId: string,
	results: ResultsFile,
	filters: ResultFilters,
	onlyFramesWithPredictions: boolean,
): IDataObject[] {
	const times = frameTimes(results);
	const offsets = results.frame_offset ?? [];
	const modelIds = modelIdsOf(results);
	const kinds = Object.fromEntries(modelIds.map((m) => [m, detectKind(results[m] as unknown[])]));
	const frames: IDataObject[] = [];
	for (let i = 0; i < frameCount(results); i++) {
		const models: IDataObject = {};
		let any = false;
		for (const modelId of modelIds) {
			const filtered = filterFrame(kinds[modelId], (results[modelId] as unknown[])[i], filters);
			models[modelId] = shapeFrameForOutput(kinds[modelId], filtered) as IDataObject | null;
			any ||= hasPredictions(kinds[modelId], filtered);
		}
		if (onlyFramesWithPredictions && !any) continue;
		frames.push({ job_id: jobId, frame_index: i, frame_offset: offsets[i] ?? null, time: times[i] ?? null, models });
	}
	return frames;
}

/** The per-frame view keeps what a next node uses and drops compute timings. */
function shapeFrameForOutput(kind: ModelKind, filtered: unknown): unknown {
	if (filtered === null || filtered === undefined) return null;
	if (kind === 'clip-embedding') return { embedding: filtered };
	const frame = filtered as IDataObject;
	const out: IDataObject = { predictions: frame.predictions ?? [] };
	if (frame.image) out.image = frame.image;
	if (kind === 'classification') {
		out.top = frame.top ?? null;
		out.confidence = frame.confidence ?? null;
	}
	return out;
}

/** Where JSON.parse stopped, as V8 words it ("... at position 1234" or "... end of JSON input"). */
function parseErrorWhere(error: unknown, length: number): string {
	const message = error instanceof Error ? error.message : '';
	const position = /position (\d+)/.exec(message)?.[1];
	if (position !== undefined) return `is malformed at byte ${position}`;
	if (/end of (?:JSON )?input|Unterminated/i.test(message)) return `ends early, after ${length} bytes (it was cut short)`;
	return 'is not valid JSON';
}

/**
 * Parses and checks a results file. Pure. Returns the problem in words when the file is not
 * what Roboflow writes: a results file that does not parse, or whose lists are missing or of
 * the wrong kind, must be an error, never an empty or wrong summary.
 */
export function parseResultsFile(text: string): { results: ResultsFile } | { problem: string } {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		return { problem: `the results file ${parseErrorWhere(error, Buffer.byteLength(text))}` };
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		return { problem: 'the results file is not a JSON object of per-frame lists' };
	}
	const results = parsed as ResultsFile;
	for (const key of ['frame_offset', 'time_offset'] as const) {
		const list = results[key];
		if (list === undefined) continue;
		if (!Array.isArray(list)) return { problem: `"${key}" in the results file is not a list` };
		const bad = list.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
		if (bad >= 0) return { problem: `"${key}" in the results file holds a non-number at frame ${bad}` };
	}
	const modelIds = Object.keys(results).filter((key) => !FRAME_KEYS.has(key));
	if (modelIds.length === 0) return { problem: 'the results file holds no model\'s results' };
	const frames = results.frame_offset?.length ?? results.time_offset?.length;
	for (const modelId of modelIds) {
		const list = results[modelId];
		if (!Array.isArray(list)) return { problem: `the results of model "${modelId}" are not a list of frames` };
		const bad = list.findIndex((entry) => entry !== null && typeof entry !== 'object');
		if (bad >= 0) return { problem: `frame ${bad} of model "${modelId}" is neither a frame object nor null` };
		const badPredictions = list.findIndex(
			(entry) => entry && !Array.isArray(entry) && (entry as IDataObject).predictions !== undefined && !Array.isArray((entry as IDataObject).predictions),
		);
		if (badPredictions >= 0) return { problem: `the predictions of frame ${badPredictions} of model "${modelId}" are not a list` };
		if (frames !== undefined && list.length !== frames) {
			return { problem: `model "${modelId}" has ${list.length} frames where the file has ${frames} frame offsets` };
		}
	}
	if (results.frame_offset && results.time_offset && results.frame_offset.length !== results.time_offset.length) {
		return { problem: `the file has ${results.frame_offset.length} frame offsets but ${results.time_offset.length} time offsets` };
	}
	return { results };
}
