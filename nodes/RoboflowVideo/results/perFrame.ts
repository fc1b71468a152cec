import type { IDataObject } from 'n8n-workflow';

import { filterFrame, hasPredictions, kindOfEntry, type ModelKind, type ResultFilters } from './frames';
import { OutputTooLarge, MAX_OUTPUT_BYTES } from './outputSize';
import { TimesNeededFirst, type OffsetKey, type ResultsVisitor } from './scanner';

export { TimesNeededFirst } from './scanner';

/**
 * The One Item per Frame output. Pure. Built as the results file streams past (see scanner.ts):
 * only the frames that will be output are kept, and the output's size is counted as it grows, so
 * an output n8n could not save is refused before it is built (see outputSize.ts).
 */

export interface FrameSelection {
	/** Keep frames at or after this time (seconds). */
	fromSeconds?: number;
	/** Keep frames at or before this time (seconds). */
	toSeconds?: number;
	/** Keep every Nth frame of those in the window (1 keeps all). */
	everyNthFrame: number;
}

export interface PerFrameSettings {
	filters: ResultFilters;
	onlyFramesWithPredictions: boolean;
	selection: FrameSelection;
	/** Refuse the output beyond this estimated size of its items' JSON. */
	maxOutputBytes?: number;
}

/** What an item costs beside its predictions: job_id, frame_index, frame_offset, time, and keys. */
const ITEM_OVERHEAD_BYTES = 120;
/** A model entry that is null or has no kept predictions, in an item. */
const EMPTY_ENTRY_BYTES = 40;

export function hasWindow(selection: FrameSelection): boolean {
	return selection.fromSeconds !== undefined || selection.toSeconds !== undefined;
}

class ModelFrames {
	kind: ModelKind = 'unknown';
	/** The kept frames' output entries, by frame index. */
	readonly kept = new Map<number, IDataObject>();
	/** Per frame: 1 where the model inferred it but kept nothing (its entry is then derived, not stored). */
	inferred = new Uint8Array(1024);
	image: unknown;

	markInferred(index: number): void {
		if (index >= this.inferred.length) {
			const grown = new Uint8Array(Math.max(index + 1, this.inferred.length * 2));
			grown.set(this.inferred);
			this.inferred = grown;
		}
		this.inferred[index] = 1;
	}

	entryAt(index: number): IDataObject | null {
		const kept = this.kept.get(index);
		if (kept) return kept;
		if (!this.inferred[index]) return null;
		if (this.kind === 'clip-embedding') return null;
		const out: IDataObject = { predictions: [] };
		if (this.image) out.image = this.image as IDataObject;
		if (this.kind === 'classification') {
			out.top = null;
			out.confidence = null;
		}
		return out;
	}
}

export class PerFrameBuilder implements ResultsVisitor {
	private times: number[] | undefined;
	private frameOffsets: number[] = [];
	private readonly models = new Map<string, ModelFrames>();
	/** Frames some model kept predictions in (or every selected frame when empty frames are wanted). */
	private readonly withPredictions = new Set<number>();
	private estimatedBytes = 0;
	private keptFrames = 0;
	private first = 0;
	private last = Number.POSITIVE_INFINITY;
	/** The highest frame index read so far. */
	private lastRead = -1;
	private readonly maxOutputBytes: number;

	constructor(
		private readonly settings: PerFrameSettings,
		/** The file's frame count when known before reading (to estimate an output that is refused). */
		private expectedFrames?: number,
	) {
		this.maxOutputBytes = settings.maxOutputBytes ?? MAX_OUTPUT_BYTES;
	}

	offsets(key: OffsetKey, values: number[]): void {
		if (key === 'frame_offset') this.frameOffsets = values;
		else this.setTimes(values);
		this.expectedFrames ??= values.length;
	}

	/** Times known from an earlier read of the same file (see TimesNeededFirst). */
	setTimes(times: number[]): void {
		this.times = times;
		const { fromSeconds, toSeconds } = this.settings.selection;
		// Times only grow along the file, so the window is one stretch of frame indexes.
		this.first = fromSeconds === undefined ? 0 : firstAtOrAfter(times, fromSeconds);
		this.last = toSeconds === undefined ? Number.POSITIVE_INFINITY : firstAtOrAfter(times, toSeconds + 1e-9) - 1;
	}

	modelStart(modelId: string): void {
		if (hasWindow(this.settings.selection) && !this.times) throw new TimesNeededFirst();
		this.models.set(modelId, new ModelFrames());
	}

	private selected(index: number): boolean {
		return index >= this.first && index <= this.last && (index - this.first) % this.settings.selection.everyNthFrame === 0;
	}

	frame(modelId: string, index: number, entry: unknown, bytes: number): void {
		const model = this.models.get(modelId)!;
		if (index > this.lastRead) this.lastRead = index;
		if (model.kind === 'unknown') model.kind = kindOfEntry(entry) ?? 'unknown';
		if (!this.selected(index) || entry === null || entry === undefined) return;
		const filtered = filterFrame(model.kind, entry, this.settings.filters);
		const frame = filtered as IDataObject;
		if (model.kind !== 'clip-embedding' && model.image === undefined && frame.image) model.image = frame.image;
		if (hasPredictions(model.kind, filtered) || model.kind === 'clip-embedding' || !this.settings.onlyFramesWithPredictions) {
			model.kept.set(index, shapeFrameForOutput(model.kind, filtered)!);
			this.count(index, bytes);
			if (model.kind !== 'clip-embedding' || !this.settings.onlyFramesWithPredictions) this.withPredictions.add(index);
		} else {
			model.markInferred(index);
		}
	}

	private count(index: number, bytes: number): void {
		if (!this.withPredictions.has(index)) {
			this.keptFrames++;
			this.estimatedBytes += ITEM_OVERHEAD_BYTES + EMPTY_ENTRY_BYTES * this.models.size;
		}
		this.estimatedBytes += bytes;
		if (this.estimatedBytes > this.maxOutputBytes) this.refuse();
	}

	private refuse(): never {
		const selectedFrames = this.selectedFrameCount();
		const perFrame = this.estimatedBytes / Math.max(1, this.keptFrames);
		// Kept frames so far are a fair sample of what the rest would add.
		const estimate = selectedFrames ? Math.max(this.estimatedBytes, perFrame * selectedFrames * this.keptShare()) : this.estimatedBytes;
		throw new OutputTooLarge('One Item per Frame', estimate, this.maxOutputBytes, this.suggestions(estimate));
	}

	/** Of the selected frames read so far, the share that became items. */
	private keptShare(): number {
		const readSelected = Math.floor((Math.max(this.lastRead, this.first) - this.first) / this.settings.selection.everyNthFrame) + 1;
		return Math.min(1, this.keptFrames / Math.max(1, readSelected));
	}

	private selectedFrameCount(): number {
		const total = this.expectedFrames ?? 0;
		const last = Math.min(this.last, total - 1);
		return last < this.first ? 0 : Math.floor((last - this.first) / this.settings.selection.everyNthFrame) + 1;
	}

	private suggestions(estimate: number): string[] {
		const fits = this.maxOutputBytes / estimate;
		const tips: string[] = [];
		const times = this.times;
		const { everyNthFrame } = this.settings.selection;
		if (times?.length) {
			const span = Math.min(times[Math.min(this.last, times.length - 1)], times[times.length - 1]) - (times[this.first] ?? 0);
			const seconds = Math.floor(span * fits * 0.9);
			if (seconds >= 1) tips.push(`a time window (From Second / To Second) of at most about ${seconds} seconds`);
		}
		tips.push(`Every Nth Frame of ${Math.ceil((everyNthFrame / fits) * 1.1)} or more`);
		return tips;
	}

	/** The items' json, in frame order. `frames`: the file's frame count (its longest list). */
	finish(jobId: string, frames: number): IDataObject[] {
		const times = this.times ?? [];
		const indexes = this.settings.onlyFramesWithPredictions ? [...this.withPredictions].sort((a, b) => a - b) : this.allSelected(frames);
		return indexes.map((index) => {
			const models: IDataObject = {};
			for (const [modelId, model] of this.models) models[modelId] = model.entryAt(index);
			return { job_id: jobId, frame_index: index, frame_offset: this.frameOffsets[index] ?? null, time: times[index] ?? null, models };
		});
	}

	private allSelected(frames: number): number[] {
		const indexes: number[] = [];
		for (let i = this.first; i < frames && i <= this.last; i += this.settings.selection.everyNthFrame) indexes.push(i);
		return indexes;
	}
}

/** The first index whose time is at or after `seconds` (times.length when none is). */
function firstAtOrAfter(times: number[], seconds: number): number {
	let lo = 0;
	let hi = times.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (times[mid] < seconds) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The per-frame view keeps what a next node uses and drops compute timings. */
function shapeFrameForOutput(kind: ModelKind, filtered: unknown): IDataObject | null {
	if (filtered === null || filtered === undefined) return null;
	if (kind === 'clip-embedding') return { embedding: filtered as number[] };
	const frame = filtered as IDataObject;
	const out: IDataObject = { predictions: frame.predictions ?? [] };
	if (frame.image) out.image = frame.image;
	if (kind === 'classification') {
		out.top = frame.top ?? null;
		out.confidence = frame.confidence ?? null;
	}
	return out;
}
