import type { IDataObject } from 'n8n-workflow';

/**
 * Roboflow's video results file: parallel lists, one entry per inferred frame
 * (`frame_offset`, `time_offset`, then one list per model_id, null where a frame was skipped).
 * Pure: reading and checking the file, no I/O.
 */
export interface ResultsFile {
	frame_offset?: number[];
	time_offset?: number[];
	[modelId: string]: unknown;
}

export const FRAME_KEYS = new Set(['frame_offset', 'time_offset']);

export function modelIdsOf(results: ResultsFile): string[] {
	return Object.keys(results).filter((key) => !FRAME_KEYS.has(key) && Array.isArray(results[key]));
}

/** The file does not say which kind each model is, so it is read off the frames' shape. */
export function frameTimes(results: ResultsFile): number[] {
	return (results.time_offset ?? []).map(Number);
}

export function frameCount(results: ResultsFile): number {
	const lengths = [results.frame_offset?.length ?? 0, ...modelIdsOf(results).map((m) => (results[m] as unknown[]).length)];
	return Math.max(0, ...lengths);
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
