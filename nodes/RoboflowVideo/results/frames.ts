import type { IDataObject } from 'n8n-workflow';

/** What a model's frames look like and which of their predictions the user's filters keep. Pure. */

export interface ResultFilters {
	/** Predictions below this confidence are left out (0 keeps all). */
	minConfidence?: number;
	/** Only these class names are kept (empty keeps all); compared without letter case. */
	classes?: string[];
}

export type Prediction = IDataObject & { class?: string; confidence?: number };

export type ModelKind =
	| 'object-detection'
	| 'instance-segmentation'
	| 'keypoint-detection'
	| 'classification'
	| 'clip-embedding'
	| 'gaze-detection'
	| 'unknown';

/**
 * The file does not say which kind each model is, so it is read off a frame's shape: undefined
 * while the frame does not tell (null, or no predictions to look at).
 */
export function kindOfEntry(entry: unknown): ModelKind | undefined {
	if (entry === null || entry === undefined) return undefined;
	if (Array.isArray(entry)) return 'clip-embedding';
	const frame = entry as IDataObject;
	if ('top' in frame) return 'classification';
	const predictions = frame.predictions;
	const first = Array.isArray(predictions) ? (predictions[0] as IDataObject | undefined) : undefined;
	if (!first || typeof first !== 'object') return undefined;
	if ('face' in first) return 'gaze-detection';
	if ('keypoints' in first) return 'keypoint-detection';
	if ('points' in first) return 'instance-segmentation';
	return 'object-detection';
}

export function keepPrediction(prediction: Prediction, filters: ResultFilters): boolean {
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

export function hasPredictions(kind: ModelKind, filtered: unknown): boolean {
	if (filtered === null || filtered === undefined || kind === 'clip-embedding') return false;
	const frame = filtered as IDataObject;
	if (kind === 'classification') return frame.top !== null && frame.top !== undefined && frame.top !== '';
	return ((frame.predictions ?? []) as unknown[]).length > 0;
}
