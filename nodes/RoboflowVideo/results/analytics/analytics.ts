import type { IDataObject } from 'n8n-workflow';

import type { Point, Segment } from './geometry';
import { insidePolygon } from './geometry';
import { totalSeconds, unite, type Interval } from './intervals';
import { ClassTracker, type Detection, type TrackedObject } from './tracker';

/**
 * Answers instead of detections, per model and class: distinct objects, when they were there,
 * how many crossed a line or entered a zone. Built frame by frame with the Summary (summary.ts),
 * holding per class only the live tracks, the ended objects' few numbers and a count per second.
 * Pure.
 */

/** Points in pixels, or in fractions of the frame (all coordinates between 0 and 1). */
export interface Shape {
	points: Point[];
	relative: boolean;
}

export interface AnalyticsSettings {
	/** How long an object may be unseen (hidden or missed) and still be the same object. */
	maxHiddenSeconds: number;
	/** Appearances closer than this are one appearance. */
	mergeGapsShorterThan: number;
	/** Appearances shorter than this are left out. */
	minimumDuration: number;
	/** Two points: objects crossing from the positive side (see geometry.side) count as "in". */
	countingLine?: Shape;
	/** A polygon. */
	zone?: Shape;
}

export const DEFAULT_ANALYTICS: AnalyticsSettings = { maxHiddenSeconds: 5, mergeGapsShorterThan: 1, minimumDuration: 0 };

/** A one-frame track counts as an object only this sure: lower, it is a blip. */
const SINGLE_FRAME_CONFIDENCE = 0.6;

function round(value: number, digits = 3): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

interface ClassAnalytics {
	tracker: ClassTracker;
	/** The current frame's detections of the class: the first `count` (the list is reused from frame to frame). */
	detections: Detection[];
	count: number;
	/** The frame these detections are of (see ModelAnalytics.frameNumber). */
	frame: number;
	peakCount: number;
	peakTime: number;
	maxInside: number;
	/** The most objects in view in each bin of `binSeconds` of video. */
	perBin: number[];
}

export interface ObjectRecord extends TrackedObject {
	model: string;
	className: string;
}

export interface ClassAnswers {
	fields: IDataObject;
	objects: TrackedObject[];
	appearances: Interval[];
	/** The most objects in view in each bin of `binSeconds` of video. */
	perBin: number[];
	binSeconds: number;
	peakCount: number;
}

export class ModelAnalytics {
	private readonly classes = new Map<string, ClassAnalytics>();
	private line?: Segment;
	private zone?: Point[];
	private placed = false;
	/** Frames seen so far, and the classes seen in the current one (reused from frame to frame). */
	private frameNumber = 0;
	private readonly inFrame: ClassAnalytics[] = [];
	private imageSize?: { width: number; height: number };

	/**
	 * `binSeconds`: the time resolution of the counts kept for the picture and the appearances'
	 * peaks (the frame interval, or longer for long videos, so at most a few thousand bins).
	 */
	constructor(
		private readonly settings: AnalyticsSettings,
		private readonly binSeconds = 1,
		/** Time between inferred frames. */
		private readonly frameSeconds = 1,
	) {}

	/** One frame's kept predictions; frames come in time order. */
	frame(time: number, image: unknown, predictions: Array<Detection & { class?: unknown }>): void {
		if (!this.placed) this.place(image);
		// This runs for every frame: the detections are grouped by class without making anything.
		const frame = ++this.frameNumber;
		const inFrame = this.inFrame;
		let classes = 0;
		for (const p of predictions) {
			// Predictions are Roboflow's own objects: only boxes with a place and a size can be followed.
			if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || !(p.width > 0) || !(p.height > 0)) continue;
			const name = typeof p.class === 'string' ? p.class : String(p.class ?? 'unknown');
			const c = this.classAnalytics(name);
			if (c.frame !== frame) {
				c.frame = frame;
				c.count = 0;
				inFrame[classes++] = c;
			}
			c.detections[c.count++] = p;
		}
		for (let i = 0; i < classes; i++) {
			const c = inFrame[i];
			const detections = c.detections;
			// Blips (one-frame, unsure) are no objects: they do not make a peak.
			const inView = c.tracker.update(time, detections, this.imageSize, c.count);
			if (inView > c.peakCount) {
				c.peakCount = inView;
				c.peakTime = time;
			}
			const bin = Math.max(0, Math.floor(time / this.binSeconds + 1e-9));
			for (let b = c.perBin.length; b <= bin; b++) c.perBin.push(0);
			c.perBin[bin] = Math.max(c.perBin[bin], inView);
			const zone = this.zone;
			if (zone) {
				let inside = 0;
				for (let d = 0; d < c.count; d++) if (insidePolygon(zone, detections[d])) inside++;
				c.maxInside = Math.max(c.maxInside, inside);
			}
		}
	}

	/** Relative shapes become pixels once a frame says how large the image is. */
	private place(image: unknown): void {
		const { width, height } = (image ?? {}) as { width?: unknown; height?: unknown };
		const size = typeof width === 'number' && typeof height === 'number' ? { width, height } : undefined;
		this.imageSize = size;
		const { countingLine, zone } = this.settings;
		if ((countingLine?.relative || zone?.relative) && !size) return;
		const toPixels = (shape: Shape): Point[] =>
			shape.relative ? shape.points.map((p) => ({ x: p.x * size!.width, y: p.y * size!.height })) : shape.points;
		if (countingLine) {
			const [from, to] = toPixels(countingLine);
			this.line = { from, to };
		}
		if (zone) this.zone = toPixels(zone);
		this.placed = true;
	}

	private classAnalytics(name: string): ClassAnalytics {
		let c = this.classes.get(name);
		if (!c) {
			c = {
				tracker: new ClassTracker({
					maxHiddenSeconds: this.settings.maxHiddenSeconds,
					singleFrameConfidence: SINGLE_FRAME_CONFIDENCE,
					frameSeconds: this.frameSeconds,
					countingLine: this.line,
					zone: this.zone,
				}),
				detections: [],
				count: 0,
				frame: 0,
				peakCount: 0,
				peakTime: 0,
				maxInside: 0,
				perBin: [],
			};
			this.classes.set(name, c);
		}
		return c;
	}

	/** Per class: the Summary's fields and what the other outputs are made of. */
	finish(): Map<string, ClassAnswers> {
		const out = new Map<string, ClassAnswers>();
		const { mergeGapsShorterThan, minimumDuration } = this.settings;
		for (const [name, c] of this.classes) {
			const objects = c.tracker.finish();
			const appearances = unite(
				objects.map((o) => ({ start: o.firstSeen, end: o.lastSeen })),
				mergeGapsShorterThan,
				minimumDuration,
			);
			const fields: IDataObject = {
				unique_objects: objects.length,
				peak_count: c.peakCount,
				peak_time: c.peakTime,
				appearances: appearances.map((a) => ({ start: round(a.start), end: round(a.end) })),
				seconds_present: round(totalSeconds(appearances)),
			};
			if (this.line) {
				fields.line_crossings = { in: objects.filter((o) => o.crossedIn).length, out: objects.filter((o) => o.crossedOut).length };
			}
			if (this.zone) {
				const inside = objects.filter((o) => o.inZone.length > 0);
				fields.zone = {
					objects_entered: inside.length,
					max_inside: c.maxInside,
					seconds_occupied: round(totalSeconds(unite(inside.flatMap((o) => o.inZone)))),
				};
			}
			out.set(name, { fields, objects, appearances, perBin: c.perBin, binSeconds: this.binSeconds, peakCount: c.peakCount });
		}
		return out;
	}

	hasLine(): boolean {
		return this.line !== undefined;
	}

	hasZone(): boolean {
		return this.zone !== undefined;
	}
}

/** One Item per Object: an item's json for a tracked object. */
export function objectItem(jobId: string, model: string, className: string, index: number, o: TrackedObject, line: boolean, zone: boolean): IDataObject {
	const item: IDataObject = {
		job_id: jobId,
		model,
		class: className,
		object: index + 1,
		first_seen: round(o.firstSeen),
		last_seen: round(o.lastSeen),
		seconds: round(o.lastSeen - o.firstSeen),
		frames: o.frames,
		max_confidence: round(o.maxConfidence, 4),
		entry: { x: round(o.entry.x, 1), y: round(o.entry.y, 1) },
		exit: { x: round(o.exit.x, 1), y: round(o.exit.y, 1) },
	};
	if (line) item.line_crossings = { in: o.crossedIn ? 1 : 0, out: o.crossedOut ? 1 : 0 };
	if (zone) item.zone_seconds = round(totalSeconds(o.inZone));
	return item;
}

/** One Item per Appearance: an item's json for a stretch of time the class was in view. */
export function appearanceItem(jobId: string, model: string, className: string, a: Interval, perBin: number[], binSeconds: number): IDataObject {
	let peak = 0;
	const last = Math.floor(a.end / binSeconds + 1e-9);
	for (let b = Math.floor(a.start / binSeconds + 1e-9); b <= last && b < perBin.length; b++) peak = Math.max(peak, perBin[b]);
	return { job_id: jobId, model, class: className, start: round(a.start), end: round(a.end), seconds: round(a.end - a.start), peak_count: peak };
}
