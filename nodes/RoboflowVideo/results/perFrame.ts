import type { IDataObject } from 'n8n-workflow';

import { frameCount, frameTimes, modelIdsOf, type ResultsFile } from './file';
import { detectKind, filterFrame, hasPredictions, type ModelKind, type ResultFilters } from './frames';

/** The One Item per Frame output. Pure. */

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
