import { RawBuilder, readResultsText } from './output';
import { ResultsFileProblem } from './scanner';

/**
 * Roboflow's video results file: parallel lists, one entry per inferred frame
 * (`frame_offset`, `time_offset`, then one list per model_id, null where a frame was skipped).
 * The node reads it as a stream (scanner.ts); this reads one already in memory. Pure.
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

export function frameCount(results: ResultsFile): number {
	const lengths = [results.frame_offset?.length ?? 0, ...modelIdsOf(results).map((m) => (results[m] as unknown[]).length)];
	return Math.max(0, ...lengths);
}

/**
 * Parses and checks a results file held in memory, with the same checks as the streaming reader.
 * Returns the problem in words when the file is not what Roboflow writes: a results file that does
 * not parse, or whose lists are missing or of the wrong kind, must be an error, never an empty or
 * wrong summary.
 */
export function parseResultsFile(text: string): { results: ResultsFile } | { problem: string } {
	const builder = new RawBuilder(Number.POSITIVE_INFINITY);
	try {
		readResultsText(text, builder);
	} catch (error) {
		return { problem: error instanceof ResultsFileProblem ? error.message : String(error) };
	}
	return { results: builder.results as ResultsFile };
}
