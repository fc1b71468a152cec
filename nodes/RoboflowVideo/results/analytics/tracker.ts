import { crossesSegment, insidePolygon, length, overlapAt, side, type Box, type Point, type Segment } from './geometry';
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
	/** Time between inferred frames (seconds). */
	frameSeconds: number;
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
	/** Since when it has been inside the zone, if it is, and how many times it was seen there. */
	zoneSince?: number;
	zoneSightings?: number;
}

/** Reach, in object sizes, of a match: grows with the time unseen, more while the velocity is unknown. */
const BASE_REACH = 1;
const REACH_PER_SECOND = 0.6;
const REACH_WITHOUT_VELOCITY = 2.5;
/** Detections whose sizes differ more than this factor (in area) are not the same object. */
const MAX_AREA_RATIO = 4;
/** How much a new velocity measurement counts against the track's last one. */
const VELOCITY_WEIGHT = 0.6;
/** An object seen once and not again within this many seconds, or frames, is not waited for (see expire). */
const TENTATIVE_SECONDS = 1.5;
const TENTATIVE_FRAMES = 3.5;
/** Matching an object where it was last seen (it stopped while unseen) costs this much more, in object sizes. */
const STOPPED_PENALTY = 0.3;
/** Jitter on the counting line: a side counts only this far from it (fraction of the object's size). */
const LINE_MARGIN = 0.15;

export class ClassTracker {
	private readonly active: Track[] = [];
	private readonly ended: TrackedObject[] = [];

	constructor(private readonly settings: TrackerSettings) {}

	/**
	 * The detections of this class in the frame at `time` (seconds); frames must come in time
	 * order. `image`: the frame's size, when known: an object whose motion has carried it out of
	 * the frame has left, and is not matched to whatever comes in next. Returns how many of the
	 * detections are objects rather than possible blips (followed from an earlier frame, or sure).
	 * `count`: how many of `detections` are this frame's (a reused list may hold more).
	 */
	update(time: number, detections: Detection[], image?: { width: number; height: number }, count = detections.length): number {
		this.expire(time, image);
		const tracks = this.active;
		const nd = count;
		const nt = tracks.length;
		// Candidates as parallel arrays, kept sorted by cost as they are found (there are few per
		// frame): this runs for every frame of every class, so it makes no objects.
		const costs = this.costs;
		const pairTrack = this.pairTrack;
		const pairDetection = this.pairDetection;
		let n = 0;
		const sizes = this.sizes;
		for (let d = 0; d < nd; d++) sizes[d] = Math.sqrt(detections[d].width * detections[d].height);
		for (let t = 0; t < nt; t++) {
			const track = tracks[t];
			const dt = time - track.lastSeen;
			const box = track.box;
			const px = box.x + track.vx * dt;
			const py = box.y + track.vy * dt;
			const area = box.width * box.height;
			const size = Math.sqrt(area);
			const reach = (track.frames > 1 ? BASE_REACH : REACH_WITHOUT_VELOCITY) + REACH_PER_SECOND * dt;
			for (let d = 0; d < nd; d++) {
				const det = detections[d];
				const detArea = det.width * det.height;
				if (detArea > MAX_AREA_RATIO * area || detArea * MAX_AREA_RATIO < area) continue;
				const scale = (size + sizes[d]) / 2;
				const dx = det.x - px;
				const dy = det.y - py;
				// Boxes that cannot overlap need no IoU (most pairs: this runs for every pair in every frame).
				const overlap =
					Math.abs(dx) < (box.width + det.width) / 2 && Math.abs(dy) < (box.height + det.height) / 2 ? overlapAt(px, py, box.width, box.height, det) : 0;
				const ahead = dx * dx + dy * dy;
				let distance: number;
				if (ahead <= reach * reach * scale * scale) distance = Math.sqrt(ahead) / scale;
				else {
					// Not where its motion leads: maybe where it was last (it stopped while unseen).
					const lx = det.x - box.x;
					const ly = det.y - box.y;
					distance = Math.min(Math.sqrt(ahead), Math.sqrt(lx * lx + ly * ly) + STOPPED_PENALTY * scale) / scale;
					if (distance > reach && overlap <= 0) continue;
				}
				const cost = distance - overlap;
				let i = n++;
				while (i > 0 && costs[i - 1] > cost) {
					costs[i] = costs[i - 1];
					pairTrack[i] = pairTrack[i - 1];
					pairDetection[i] = pairDetection[i - 1];
					i--;
				}
				costs[i] = cost;
				pairTrack[i] = t;
				pairDetection[i] = d;
			}
		}
		// Marks of this update: a slot holds the stamp of the last update that took it (no clearing).
		const stamp = ++this.stamp;
		const taken = this.taken;
		const updated = this.updated;
		while (taken.length < nd) taken.push(0);
		while (updated.length < nt) updated.push(0);
		let established = 0;
		for (let i = 0; i < n; i++) {
			const t = pairTrack[i];
			const d = pairDetection[i];
			if (taken[d] === stamp || updated[t] === stamp) continue;
			taken[d] = stamp;
			updated[t] = stamp;
			this.follow(tracks[t], time, detections[d]);
			established++;
		}
		for (let d = 0; d < nd; d++) {
			if (taken[d] === stamp) continue;
			tracks.push(this.start(time, detections[d]));
			if ((Number(detections[d].confidence) || 0) >= this.settings.singleFrameConfidence) established++;
		}
		return established;
	}

	private readonly costs: number[] = [];
	/** Each detection's size (square root of its area), for the current frame. */
	private readonly sizes: number[] = [];
	private readonly pairTrack: number[] = [];
	private readonly pairDetection: number[] = [];
	/** Per detection and per track: the stamp of the update that matched it. */
	private readonly taken: number[] = [];
	private readonly updated: number[] = [];
	private stamp = 0;

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
			maxConfidence: Number(d.confidence) || 0,
			entry: centre,
			exit: { x: d.x, y: d.y },
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
		// Updated in place: a track follows its object through thousands of frames.
		const to = track.exit;
		to.x = d.x;
		to.y = d.y;
		this.checkLine(track, to);
		this.checkZone(track, time, to);
		const box = track.box;
		box.x = d.x;
		box.y = d.y;
		box.width = d.width;
		box.height = d.height;
		track.lastSeen = time;
		track.frames++;
		track.maxConfidence = Math.max(track.maxConfidence, Number(d.confidence) || 0);
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
		if (track.lastClear) {
			track.lastClear.x = to.x;
			track.lastClear.y = to.y;
		} else track.lastClear = { x: to.x, y: to.y };
	}

	private checkZone(track: Track, time: number, c: Point): void {
		const zone = this.settings.zone;
		if (!zone) return;
		const inside = insidePolygon(zone, c);
		if (inside) {
			track.zoneSince ??= time;
			track.zoneSightings = (track.zoneSightings ?? 0) + 1;
		} else if (track.zoneSince !== undefined) this.leaveZone(track);
	}

	/**
	 * Ends a stay in the zone. One sighting inside is a box jittering across the zone's border,
	 * not an entry: a stay counts from two sightings.
	 */
	private leaveZone(track: Track): void {
		if ((track.zoneSightings ?? 0) >= 2) track.inZone.push({ start: track.zoneSince!, end: track.lastSeen });
		track.zoneSince = undefined;
		track.zoneSightings = 0;
	}

	/** Tracks unseen for longer than the object may hide, or gone out of the frame, are over; blips are dropped. */
	private expire(time: number, image?: { width: number; height: number }): void {
		// Compacted in place: this runs for every frame of every class.
		const active = this.active;
		let kept = 0;
		const { maxHiddenSeconds } = this.settings;
		// Seen once, it is not yet an object to wait for: a blip, or an object to start afresh.
		const tentative = Math.min(maxHiddenSeconds, Math.max(TENTATIVE_SECONDS, TENTATIVE_FRAMES * this.settings.frameSeconds));
		for (let i = 0; i < active.length; i++) {
			const track = active[i];
			const unseen = time - track.lastSeen;
			const wait = track.frames > 1 ? maxHiddenSeconds : tentative;
			if (unseen <= wait && !(image && leftTheFrame(track, time, image))) {
				active[kept++] = track;
				continue;
			}
			if (track.frames < 2 && track.maxConfidence < this.settings.singleFrameConfidence) continue;
			if (track.zoneSince !== undefined) this.leaveZone(track);
			const { firstSeen, lastSeen, frames, maxConfidence, entry, exit, crossedIn, crossedOut, inZone } = track;
			this.ended.push({ firstSeen, lastSeen, frames, maxConfidence, entry, exit, crossedIn, crossedOut, inZone });
		}
		active.length = kept;
	}
}

/** Whether a moving object's predicted centre is now outside the frame (a box's centre never is). */
function leftTheFrame(track: Track, time: number, image: { width: number; height: number }): boolean {
	if (track.frames < 2 || time <= track.lastSeen) return false;
	const dt = time - track.lastSeen;
	const x = track.box.x + track.vx * dt;
	const y = track.box.y + track.vy * dt;
	return x < 0 || y < 0 || x > image.width || y > image.height;
}
