import type { IDataObject } from 'n8n-workflow';

import { frameCount, frameTimes, modelIdsOf, type ResultsFile } from './file';
import { detectKind, filterFrame, hasPredictions, type ModelKind, type Prediction, type ResultFilters } from './frames';

/** The Summary output: per model and class, how often and when it was seen. Pure. */

function round(value: number, digits = 4): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
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
