import type { IDataObject } from 'n8n-workflow';

import type { ResultFilters } from './frames';
import { OutputTooLarge, MAX_OUTPUT_BYTES } from './outputSize';
import { PerFrameBuilder, type FrameSelection } from './perFrame';
import { ResultsScanner, type OffsetKey, type ResultsVisitor } from './scanner';
import { SummaryBuilder } from './summary';

/** The shapes a finished job's results can leave the node in, each built while the file streams past. Pure. */

export type OutputFormat = 'summary' | 'perFrame' | 'raw' | 'binary';

export interface ResultsOutputSettings {
	output: OutputFormat;
	binaryPropertyName: string;
	filters: ResultFilters;
	onlyFramesWithPredictions: boolean;
	/** One Item per Frame: which frames. */
	selection: FrameSelection;
}

export const OUTPUT_FORMATS: Record<OutputFormat, string> = {
	summary: 'Summary',
	perFrame: 'One Item per Frame',
	raw: 'Raw',
	binary: 'Binary File',
};

/** Reads a streamed results file into the json of an output's items. */
export interface OutputBuilder extends ResultsVisitor {
	/** `frames`: the file's frame count, from ResultsScanner.end(). */
	finish(jobId: string, frames: number): IDataObject[];
}

/** The file as Roboflow wrote it, rebuilt as an object: refused beyond the size n8n can save. */
export class RawBuilder implements OutputBuilder {
	readonly results: IDataObject = {};
	private bytes = 0;

	constructor(private readonly maxOutputBytes = MAX_OUTPUT_BYTES) {}

	offsets(key: OffsetKey, values: number[]): void {
		this.results[key] = values;
		this.add(values.length * 8);
	}

	modelStart(modelId: string): void {
		this.results[modelId] = [];
	}

	frame(modelId: string, _index: number, entry: unknown, bytes: number): void {
		(this.results[modelId] as unknown[]).push(entry);
		this.add(bytes);
	}

	private add(bytes: number): void {
		this.bytes += bytes;
		if (this.bytes > this.maxOutputBytes) throw new OutputTooLarge('Raw', this.bytes, this.maxOutputBytes);
	}

	finish(jobId: string): IDataObject[] {
		return [{ job_id: jobId, state: 'completed', results: this.results }];
	}
}

class SummaryOutput extends SummaryBuilder implements OutputBuilder {
	finish(jobId: string, frames: number): IDataObject[] {
		return [this.summary(jobId, frames)];
	}
}

/**
 * Binary File keeps the file as it is: reading it only checks it. Every frame is still parsed, so
 * a file that is not Roboflow's is an error rather than a stored "result".
 */
class CheckOnly implements OutputBuilder {
	finish(): IDataObject[] {
		return [];
	}
}

/** The builder of an output format; outputs that hold frames are refused beyond `maxOutputBytes`. */
export function outputBuilder(settings: ResultsOutputSettings, maxOutputBytes = MAX_OUTPUT_BYTES): OutputBuilder {
	switch (settings.output) {
		case 'raw':
			return new RawBuilder(maxOutputBytes);
		case 'perFrame':
			return new PerFrameBuilder({ ...settings, maxOutputBytes });
		case 'binary':
			return new CheckOnly();
		default:
			return new SummaryOutput(settings.filters);
	}
}

/** Reads a whole results text through a builder (for files already in memory, and for tests). */
export function readResultsText(text: string | Uint8Array, builder: ResultsVisitor): { frames: number; modelIds: string[] } {
	const scanner = new ResultsScanner(builder);
	scanner.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
	return scanner.end();
}

/** The json of the items for every format but Binary File, from a results text. */
export function shapeResultsText(jobId: string, text: string, settings: ResultsOutputSettings): IDataObject[] {
	const builder = outputBuilder(settings);
	const { frames } = readResultsText(text, builder);
	return builder.finish(jobId, frames);
}

/** A job's One Item per Frame output as one item, its frames in a list (see WaitSettings.framesInOneItem). */
export function framesAsOneItem(jobId: string, frames: IDataObject[]): IDataObject {
	return { job_id: jobId, state: 'completed', frame_count: frames.length, frames };
}
