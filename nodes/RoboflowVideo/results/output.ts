import type { IDataObject } from 'n8n-workflow';

import { appearanceItem, DEFAULT_ANALYTICS, objectItem, type AnalyticsSettings } from './analytics/analytics';
import type { ResultFilters } from './frames';
import { OutputTooLarge, MAX_OUTPUT_BYTES } from './outputSize';
import { PerFrameBuilder, type FrameSelection } from './perFrame';
import { ResultsScanner, type OffsetKey, type ResultsVisitor } from './scanner';
import { SummaryBuilder } from './summary';
import { timelinePng, type TimelineClass, type TimelineInput } from './timeline/timelinePicture';

/** The shapes a finished job's results can leave the node in, each built while the file streams past. Pure. */

export type OutputFormat = 'summary' | 'objects' | 'appearances' | 'perFrame' | 'raw' | 'binary';

export interface ResultsOutputSettings {
	output: OutputFormat;
	binaryPropertyName: string;
	filters: ResultFilters;
	onlyFramesWithPredictions: boolean;
	/** One Item per Frame: which frames. */
	selection: FrameSelection;
	/** Tracking and counting (Summary, One Item per Object, One Item per Appearance); off when absent. */
	analytics?: AnalyticsSettings;
	/** Summary: attach a timeline picture. */
	attachTimeline?: boolean;
}

export const OUTPUT_FORMATS: Record<OutputFormat, string> = {
	summary: 'Summary',
	objects: 'One Item per Object',
	appearances: 'One Item per Appearance',
	perFrame: 'One Item per Frame',
	raw: 'Raw',
	binary: 'Binary File',
};

/** Reads a streamed results file into the json of an output's items. */
export interface OutputBuilder extends ResultsVisitor {
	/** `frames`: the file's frame count, from ResultsScanner.end(). */
	finish(jobId: string, frames: number): IDataObject[];
	/** For builders that need the times first (see TimesNeededFirst): the times from an earlier read. */
	setTimes?(times: number[]): void;
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

export class SummaryOutput extends SummaryBuilder implements OutputBuilder {
	finish(jobId: string, frames: number): IDataObject[] {
		return [this.summary(jobId, frames)];
	}

	/** What the timeline picture shows (after finish). */
	timeline(jobId: string): TimelineInput {
		const videoSeconds = this.videoSeconds();
		const classes: TimelineClass[] = [];
		let line: TimelineInput['line'];
		for (const [model, answers] of this.answers()) {
			for (const [name, a] of answers) {
				// Bins over the whole video, so they line up with the time axis.
				const counts = Array.from({ length: Math.max(1, Math.ceil(videoSeconds / a.binSeconds - 1e-9)) }, (_, b) => a.perBin[b] ?? 0);
				classes.push({ model, name, appearances: a.appearances, counts, uniqueObjects: a.objects.length, peakCount: a.peakCount });
				const crossings = a.fields.line_crossings as { in: number; out: number } | undefined;
				if (crossings) line = { in: (line?.in ?? 0) + crossings.in, out: (line?.out ?? 0) + crossings.out };
			}
		}
		return { jobId, videoSeconds, classes, line };
	}
}

/** The timeline picture of a Summary, as a PNG. */
export function timelinePicture(builder: OutputBuilder, jobId: string): Uint8Array | undefined {
	return builder instanceof SummaryOutput ? timelinePng(builder.timeline(jobId)) : undefined;
}

/** One Item per Object: every tracked object of every model and class, in order of first sighting. */
class ObjectsOutput extends SummaryBuilder implements OutputBuilder {
	finish(jobId: string): IDataObject[] {
		this.finishAnalytics();
		const items: Array<{ first: number; json: IDataObject }> = [];
		for (const [modelId, classes] of this.answers()) {
			for (const [name, answers] of classes) {
				const line = 'line_crossings' in answers.fields;
				const zone = 'zone' in answers.fields;
				answers.objects.forEach((o, i) => items.push({ first: o.firstSeen, json: objectItem(jobId, modelId, name, i, o, line, zone) }));
			}
		}
		return items.sort((a, b) => a.first - b.first).map((i) => i.json);
	}
}

/** One Item per Appearance: every stretch of time a class was in view, in time order. */
class AppearancesOutput extends SummaryBuilder implements OutputBuilder {
	finish(jobId: string): IDataObject[] {
		this.finishAnalytics();
		const items: IDataObject[] = [];
		for (const [modelId, classes] of this.answers()) {
			for (const [name, answers] of classes) {
				for (const a of answers.appearances) items.push(appearanceItem(jobId, modelId, name, a, answers.perBin, answers.binSeconds));
			}
		}
		return items.sort((a, b) => Number(a.start) - Number(b.start));
	}
}

/**
 * Binary File keeps the file as it is: reading it only checks it. Every frame is still read, so
 * a file that is not Roboflow's is an error rather than a stored "result"; detection-like frames
 * are read lean (checked as strictly as JSON.parse checks them, at a fraction of the cost).
 */
class CheckOnly implements OutputBuilder {
	leanFrame(): boolean {
		return true;
	}

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
		case 'objects':
			return new ObjectsOutput(settings.filters, settings.analytics ?? DEFAULT_ANALYTICS);
		case 'appearances':
			return new AppearancesOutput(settings.filters, settings.analytics ?? DEFAULT_ANALYTICS);
		default:
			return new SummaryOutput(settings.filters, settings.analytics);
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

/** The outputs that give several items per job, and the list each becomes in one item per job. */
const LISTS: Partial<Record<OutputFormat, { list: string; count: string }>> = {
	perFrame: { list: 'frames', count: 'frame_count' },
	objects: { list: 'objects', count: 'object_count' },
	appearances: { list: 'appearances', count: 'appearance_count' },
};

/**
 * A job's several items as one item, in a list (see WaitSettings.framesInOneItem): e.g.
 * `{job_id, state, frame_count, frames: [...]}`. Outputs of one item per job are left as they are.
 */
export function asOneItemPerJob(jobId: string, output: OutputFormat, items: IDataObject[]): IDataObject[] {
	const shape = LISTS[output];
	if (!shape) return items;
	return [{ job_id: jobId, state: 'completed', [shape.count]: items.length, [shape.list]: items }];
}
