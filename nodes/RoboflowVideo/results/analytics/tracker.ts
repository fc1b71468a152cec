import { crossesSegment, insidePolygon, iou, length, side, type Box, type Point, type Segment } from './geometry';
import type { Interval } from './intervals';

/**
 * Links one class's detections across frames into tracks: the same object from frame to frame,
 * though Roboflow gives every detection a fresh id. Pure.
 *
 * Each track predicts where its object is now from its last position and velocity, so objects
 * that move far between frames (1 fps) still match; a detection joins the track whose prediction
 * it overlaps (IoU) or is nearest to, within a reach that grows with the time the object has been
 * unseen. An object unseen for longer than `maxHiddenSeconds` is gone: a detection after that is a
 * new object. A track seen once, with low confidence, is a blip and not an object.
 */

export interface TrackerSettings {
	/** How long an object may be unseen (hidden, or missed by the model) and still be the same object. */
	maxHiddenSeconds: number;
	/** A track seen in only one frame counts as an object only at this confidence or more. */
	singleFrameConfidence: number;
	countingLine?: Segment;
	zone?: Point[];
}

export interface Detection extends Box {
	confidence: number;
}

/** What is known of an object once its track has ended. */
export interface TrackedObject {
	firstSeen: number;
	lastSeen: number;
	frames: number;
	maxConfidence: number;
	entry: Point;
	exit: Point;
	crossedIn: boolean;
	crossedOut: boolean;
	/** Stretches of time the object was inside the zone. */
	inZone: Interval[];
}

interface Track extends TrackedObject {
	box: Box;
	vx: number;
	vy: number;
	/** The side of the counting line the object was last clearly on (-1, 1; 0 before it was), and where. */
	lineSide: number;
	lastClear?: Point;
	/** Since when it has been inside the zone, if it is. */
	zoneSince?: number;
}

/** Reach, in object sizes, of a match: grows with the time unseen, more while the velocity is unknown. */
const BASE_REACH = 1;
const REACH_PER_SECOND = 0.6;
const REACH_WITHOUT_VELOCITY = 2.5;
/** Detections whose sizes differ more than this factor (in area) are not the same object. */
const MAX_AREA_RATIO = 4;
/** How much a new velocity measurement counts against the track's last one. */
const VELOCITY_WEIGHT = 0.6;
/** Jitter on the counting line: a side counts only this far from it (fraction of the object's size). */
const LINE_MARGIN = 0.15;

export class ClassTracker {
	private active: Track[] = [];
	private readonly ended: TrackedObject[] = [];

	constructor(private readonly settings: TrackerSettings) {}

	/** The detections of this class in the frame at `time` (seconds); frames must come in time order. */
	update(time: number, detections: Detection[]): void {
		this.expire(time);
		const pairs: Array<{ cost: number; track: Track; detection: number }> = [];
		for (const track of this.active) {
			const dt = time - track.lastSeen;
			const predicted: Box = { ...track.box, x: track.box.x + track.vx * dt, y: track.box.y + track.vy * dt };
			const size = Math.sqrt(track.box.width * track.box.height);
			const reach = track.frames > 1 ? BASE_REACH + REACH_PER_SECOND * dt : REACH_WITHOUT_VELOCITY + REACH_PER_SECOND * dt;
			detections.forEach((d, i) => {
				const area = (d.width * d.height) / Math.max(1e-9, track.box.width * track.box.height);
				if (area > MAX_AREA_RATIO || area < 1 / MAX_AREA_RATIO) return;
				const scale = Math.max(1e-9, (size + Math.sqrt(d.width * d.height)) / 2);
				const distance = Math.hypot(d.x - predicted.x, d.y - predicted.y) / scale;
				const overlap = iou(predicted, d);
				if (distance > reach && overlap <= 0) return;
				pairs.push({ cost: distance - overlap, track, detection: i });
			});
		}
		pairs.sort((a, b) => a.cost - b.cost);
		const taken = new Set<number>();
		const updated = new Set<Track>();
		for (const { track, detection } of pairs) {
			if (taken.has(detection) || updated.has(track)) continue;
			taken.add(detection);
			updated.add(track);
			this.follow(track, time, detections[detection]);
		}
		detections.forEach((d, i) => {
			if (!taken.has(i)) this.active.push(this.start(time, d));
		});
	}

	/** Ends every track (the video is over) and returns the objects, in order of first sighting. */
	finish(): TrackedObject[] {
		this.expire(Number.POSITIVE_INFINITY);
		return this.ended.sort((a, b) => a.firstSeen - b.firstSeen);
	}

	private start(time: number, d: Detection): Track {
		const centre = { x: d.x, y: d.y };
		const track: Track = {
			firstSeen: time,
			lastSeen: time,
			frames: 1,
			maxConfidence: d.confidence,
			entry: centre,
			exit: centre,
			crossedIn: false,
			crossedOut: false,
			inZone: [],
			box: { x: d.x, y: d.y, width: d.width, height: d.height },
			vx: 0,
			vy: 0,
			lineSide: 0,
		};
		this.checkLine(track, centre);
		this.checkZone(track, time, centre);
		return track;
	}

	private follow(track: Track, time: number, d: Detection): void {
		const dt = time - track.lastSeen;
		if (dt > 0) {
			const vx = (d.x - track.box.x) / dt;
			const vy = (d.y - track.box.y) / dt;
			const first = track.frames === 1;
			track.vx = first ? vx : VELOCITY_WEIGHT * vx + (1 - VELOCITY_WEIGHT) * track.vx;
			track.vy = first ? vy : VELOCITY_WEIGHT * vy + (1 - VELOCITY_WEIGHT) * track.vy;
		}
		const to = { x: d.x, y: d.y };
		this.checkLine(track, to);
		this.checkZone(track, time, to);
		track.box = { x: d.x, y: d.y, width: d.width, height: d.height };
		track.lastSeen = time;
		track.frames++;
		track.maxConfidence = Math.max(track.maxConfidence, d.confidence);
		track.exit = to;
	}

	/** The side of the counting line a centre is clearly on (1 or -1), or 0 while it is on the line. */
	private clearSide(track: Track, c: Point): number {
		const line = this.settings.countingLine;
		if (!line) return 0;
		const distance = side(line, c) / Math.max(1e-9, length(line));
		const margin = LINE_MARGIN * Math.sqrt(track.box.width * track.box.height);
		return distance > margin ? 1 : distance < -margin ? -1 : 0;
	}

	/**
	 * A crossing is a move from one clear side to the other across the segment itself, measured from
	 * where the object was last clearly on a side: wavering on the line between counts once, and a
	 * move round the end of the segment (across the line's extension) does not count.
	 */
	private checkLine(track: Track, to: Point): void {
		const line = this.settings.countingLine;
		const now = this.clearSide(track, to);
		if (!line || now === 0) return;
		if (track.lineSide !== 0 && now !== track.lineSide && track.lastClear && crossesSegment(line, track.lastClear, to)) {
			if (track.lineSide > 0) track.crossedIn = true;
			else track.crossedOut = true;
		}
		track.lineSide = now;
		track.lastClear = to;
	}

	private checkZone(track: Track, time: number, c: Point): void {
		const zone = this.settings.zone;
		if (!zone) return;
		const inside = insidePolygon(zone, c);
		if (inside && track.zoneSince === undefined) track.zoneSince = time;
		if (!inside && track.zoneSince !== undefined) {
			track.inZone.push({ start: track.zoneSince, end: track.lastSeen });
			track.zoneSince = undefined;
		}
	}

	/** Tracks unseen for longer than the object may hide are over; blips are dropped. */
	private expire(time: number): void {
		const keep: Track[] = [];
		for (const track of this.active) {
			if (time - track.lastSeen <= this.settings.maxHiddenSeconds) {
				keep.push(track);
				continue;
			}
			if (track.frames < 2 && track.maxConfidence < this.settings.singleFrameConfidence) continue;
			if (track.zoneSince !== undefined) track.inZone.push({ start: track.zoneSince, end: track.lastSeen });
			const { firstSeen, lastSeen, frames, maxConfidence, entry, exit, crossedIn, crossedOut, inZone } = track;
			this.ended.push({ firstSeen, lastSeen, frames, maxConfidence, entry, exit, crossedIn, crossedOut, inZone });
		}
		this.active = keep;
	}
}
