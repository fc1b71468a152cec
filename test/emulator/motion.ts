/**
 * Coherent motion for emulated detections: a seeded scene of objects with identities, and a
 * detector that looks at it frame by frame.
 *
 * Roboflow's video API returns each frame's predictions with no identity. Real video still has
 * objects that persist: they enter the picture at an edge, move along smooth paths, stop and wait,
 * pass behind things and each other, and leave. A results file made from such a scene is what a
 * tracker (and the node's analytics) must cope with; a file of independent random boxes is not.
 *
 *   scene (what is really there)            detector (what the model reports)
 *   ObjectPlan: class, size, start,  ---->  per frame, per object in view and not hidden:
 *   path of legs (move with a gentle          missed now and then, box jittered, confidence
 *   turn, or wait)                            noisy; now and then a one-frame false positive
 *
 * Everything is exact and seeded: a path is a list of legs evaluated in closed form (constant
 * speed with a constant turn rate is an arc), so the scene can be sampled at any frame rate
 * (1 fps or 30) and gives the same positions; the detector draws from one Rng in frame order.
 * The same seed and inputs always give the same file.
 *
 * Conventions: image coordinates (pixels, y down), boxes by their centre as Roboflow sends them.
 * An object is "in view" when its centre is inside the image; it is "hidden" while in view but
 * behind a static occluder (its centre inside one) or behind another object (at least
 * HIDDEN_OVERLAP of its box covered by one object nearer the camera, i.e. whose box reaches
 * lower in the image). A hidden object is still in view: it produces no detection, but it is
 * there. test/harness/analytics-scenes.ts builds scenes with known truth from these pieces.
 */
import type { Rng } from './prng';

export interface Size {
	width: number;
	height: number;
}

export interface Rect {
	left: number;
	top: number;
	right: number;
	bottom: number;
}

/**
 * One stretch of a path: `seconds` at `speed` (pixels per second; 0 waits in place), starting
 * with `heading` (radians, 0 = +x, pi/2 = +y i.e. down) and turning at `turnRate` (radians per
 * second; 0 is a straight line).
 */
export interface Leg {
	seconds: number;
	speed: number;
	heading: number;
	turnRate: number;
}

export interface ObjectPlan {
	id: number;
	classIndex: number;
	/** Seconds into the video when the object is at (x, y) and starts its first leg (may be < 0). */
	start: number;
	/** After this time the object no longer exists (it has left the picture). */
	end: number;
	x: number;
	y: number;
	width: number;
	height: number;
	legs: Leg[];
	/** The confidence the detector usually gives it. */
	confidence: number;
}

/** An object at one instant, while in view. */
export interface TrueObject {
	id: number;
	classIndex: number;
	x: number;
	y: number;
	width: number;
	height: number;
	hidden: boolean;
	confidence: number;
}

export interface Scene {
	image: Size;
	classes: string[];
	objects: ObjectPlan[];
	/** Static things objects pass behind (racks, pillars, an overpass). */
	occluders: Rect[];
}

/** Share of an object's box another, nearer object must cover to hide it. */
export const HIDDEN_OVERLAP = 0.6;

export const clamp = (value: number, min: number, max: number): number => (value < min ? min : value > max ? max : value);
export const round = (value: number, decimals: number): number => {
	const factor = 10 ** decimals;
	return Math.round(value * factor) / factor;
};

/** A standard normal draw (Box-Muller). */
export function gaussian(rng: Rng): number {
	const u = 1 - rng.next();
	const v = rng.next();
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Where a leg's motion takes (x, y, heading) after `t` seconds of it. */
function advance(x: number, y: number, heading: number, leg: Leg, t: number): { x: number; y: number; heading: number } {
	if (leg.speed === 0) return { x, y, heading };
	if (Math.abs(leg.turnRate) < 1e-9) return { x: x + leg.speed * Math.cos(heading) * t, y: y + leg.speed * Math.sin(heading) * t, heading };
	const after = heading + leg.turnRate * t;
	const r = leg.speed / leg.turnRate;
	return { x: x + r * (Math.sin(after) - Math.sin(heading)), y: y - r * (Math.cos(after) - Math.cos(heading)), heading: after };
}

/** Builds a path leg by leg, keeping track of where it has got to. */
export class PathBuilder {
	readonly legs: Leg[] = [];
	seconds = 0;

	constructor(
		public x: number,
		public y: number,
		public heading = 0,
	) {}

	/** Moves for `seconds` at `speed`, turning gently at `turnRate` (radians per second). */
	move(seconds: number, speed: number, turnRate = 0): this {
		if (seconds <= 0) return this;
		const leg = { seconds, speed, heading: this.heading, turnRate };
		this.legs.push(leg);
		Object.assign(this, advance(this.x, this.y, this.heading, leg, seconds));
		this.seconds += seconds;
		return this;
	}

	wait(seconds: number): this {
		if (seconds <= 0) return this;
		this.legs.push({ seconds, speed: 0, heading: this.heading, turnRate: 0 });
		this.seconds += seconds;
		return this;
	}

	/** Straight to (x, y) at `speed`. */
	to(x: number, y: number, speed: number): this {
		const distance = Math.hypot(x - this.x, y - this.y);
		if (distance < 1e-9) return this;
		this.heading = Math.atan2(y - this.y, x - this.x);
		this.move(distance / speed, speed);
		this.x = x; // exact, whatever the rounding of the closed form
		this.y = y;
		return this;
	}
}

export function planFrom(
	path: PathBuilder,
	fields: { id: number; classIndex: number; start: number; x: number; y: number; width: number; height: number; confidence: number },
): ObjectPlan {
	return { ...fields, legs: path.legs, end: fields.start + path.seconds };
}

/** Where a planned object is at time t (undefined before its start or after its end). */
export function positionAt(plan: ObjectPlan, t: number): { x: number; y: number } | undefined {
	if (t < plan.start || t > plan.end) return undefined;
	let x = plan.x;
	let y = plan.y;
	let elapsed = t - plan.start;
	for (const leg of plan.legs) {
		if (elapsed <= leg.seconds) return advance(x, y, leg.heading, leg, elapsed);
		({ x, y } = advance(x, y, leg.heading, leg, leg.seconds));
		elapsed -= leg.seconds;
	}
	return { x, y };
}

export const inImage = (image: Size, x: number, y: number): boolean => x >= 0 && x <= image.width && y >= 0 && y <= image.height;

/**
 * Ends a plan when its object first leaves the picture after having been in it, so every object
 * is in view for one unbroken stretch (it does not wander out and back in as the same object).
 */
export function endAtExit(plan: ObjectPlan, image: Size, step = 0.02): ObjectPlan {
	let seen = false;
	for (let t = plan.start; t <= plan.end; t += step) {
		const p = positionAt(plan, t)!;
		const inside = inImage(image, p.x, p.y);
		if (inside) seen = true;
		else if (seen) return { ...plan, end: t };
	}
	return plan;
}

function overlapArea(a: TrueObject, b: TrueObject): number {
	const w = Math.min(a.x + a.width / 2, b.x + b.width / 2) - Math.max(a.x - a.width / 2, b.x - b.width / 2);
	const h = Math.min(a.y + a.height / 2, b.y + b.height / 2) - Math.max(a.y - a.height / 2, b.y - b.height / 2);
	return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Samples a scene at increasing times: `at(t)` gives the objects in view at t, with whether
 * each is hidden. Times must not decrease from call to call (objects that ended are dropped).
 */
export function sceneSampler(scene: Scene): (t: number) => TrueObject[] {
	const plans = [...scene.objects].sort((a, b) => a.start - b.start || a.id - b.id);
	let next = 0;
	let active: ObjectPlan[] = [];
	return (t) => {
		while (next < plans.length && plans[next].start <= t) active.push(plans[next++]);
		active = active.filter((plan) => plan.end >= t);
		const objects: TrueObject[] = [];
		for (const plan of active) {
			const p = positionAt(plan, t);
			if (!p || !inImage(scene.image, p.x, p.y)) continue;
			const hidden = scene.occluders.some((r) => p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom);
			objects.push({ id: plan.id, classIndex: plan.classIndex, x: p.x, y: p.y, width: plan.width, height: plan.height, hidden, confidence: plan.confidence });
		}
		for (const a of objects) {
			if (a.hidden) continue;
			const area = a.width * a.height;
			a.hidden = objects.some((b) => b !== a && b.y + b.height / 2 > a.y + a.height / 2 && overlapArea(a, b) >= HIDDEN_OVERLAP * area);
		}
		return objects;
	};
}

export interface DetectorSpec {
	/** Chance a visible object is not detected in a frame. */
	missRate: number;
	/** Standard deviation of the box centre, as a share of the box's width (x) and height (y). */
	jitter: number;
	/** Standard deviation of the box size, as a share of it. */
	sizeJitter: number;
	/** Standard deviation of a detection's confidence around its object's. */
	confidenceNoise: number;
	/** Chance per frame of one spurious box for one frame. */
	falsePositiveRate: number;
	falsePositiveConfidence: [number, number];
	/** Side of a spurious box, as a share of the image's width. */
	falsePositiveSize: [number, number];
}

export const DEFAULT_DETECTOR: DetectorSpec = {
	missRate: 0.07,
	jitter: 0.02,
	sizeJitter: 0.03,
	confidenceNoise: 0.05,
	falsePositiveRate: 0.01,
	falsePositiveConfidence: [0.3, 0.55],
	falsePositiveSize: [0.05, 0.15],
};

/** One detection as the model reports it (before the confidence threshold). */
export interface Detection {
	x: number;
	y: number;
	width: number;
	height: number;
	confidence: number;
	classIndex: number;
	/** The object it comes from; null for a false positive. */
	objectId: number | null;
}

/**
 * What the detector reports for one frame: every visible object (unless missed), its box
 * jittered, clipped to the image and rounded as Roboflow sends it; now and then a false positive.
 * Draws the same numbers whatever a later confidence threshold keeps.
 */
export function detect(objects: TrueObject[], rng: Rng, spec: DetectorSpec, image: Size, classCount: number): Detection[] {
	const detections: Detection[] = [];
	const box = (x: number, y: number, width: number, height: number, confidence: number, classIndex: number, objectId: number | null): void => {
		const left = clamp(x - width / 2, 0, image.width);
		const right = clamp(x + width / 2, 0, image.width);
		const top = clamp(y - height / 2, 0, image.height);
		const bottom = clamp(y + height / 2, 0, image.height);
		if (right - left < 2 || bottom - top < 2) return;
		detections.push({
			x: round((left + right) / 2, 1),
			y: round((top + bottom) / 2, 1),
			width: round(right - left, 1),
			height: round(bottom - top, 1),
			confidence: round(clamp(confidence, 0.01, 0.999), 3),
			classIndex,
			objectId,
		});
	};
	for (const object of objects) {
		// Every object draws the same numbers, seen or not, so one object's fate never shifts another's.
		const missed = rng.next() < spec.missRate;
		const dx = gaussian(rng) * spec.jitter * object.width;
		const dy = gaussian(rng) * spec.jitter * object.height;
		const sw = 1 + gaussian(rng) * spec.sizeJitter;
		const sh = 1 + gaussian(rng) * spec.sizeJitter;
		const confidence = object.confidence + gaussian(rng) * spec.confidenceNoise;
		if (missed || object.hidden) continue;
		box(object.x + dx, object.y + dy, object.width * sw, object.height * sh, confidence, object.classIndex, object.id);
	}
	if (rng.next() < spec.falsePositiveRate) {
		const side = rng.between(spec.falsePositiveSize[0], spec.falsePositiveSize[1]) * image.width;
		const height = side * rng.between(0.7, 1.6);
		const x = rng.between(side / 2, image.width - side / 2);
		const y = rng.between(height / 2, image.height - height / 2);
		const confidence = rng.between(spec.falsePositiveConfidence[0], spec.falsePositiveConfidence[1]);
		box(x, y, side, height, confidence, rng.int(0, classCount - 1), null);
	}
	return detections;
}

export interface TrafficSpec {
	image: Size;
	classCount: number;
	/** Seconds of video to fill; objects also start up to `warmUp` seconds before 0 so the video opens mid-scene. */
	duration: number;
	warmUp?: number;
	/** New objects per second on average (busy stretches more, quiet stretches next to none). */
	arrivalsPerSecond: number;
	/** Box width as a share of the image width. */
	size: [number, number];
	/** Speed in image widths per second. */
	speed: [number, number];
	/** Chance that a leg is a stop instead of a move. */
	stopChance?: number;
	/** First id to give (several populations can share a scene). */
	firstId?: number;
	/** Classes in turn (object n gets class n mod classCount) instead of at random, so even a few seconds show every class. */
	classesInTurn?: boolean;
}

/** How busy each stretch of RANDOM_STRETCH_SECONDS is: quiet (next to no arrivals) or 0.6x to 1.4x. */
const RANDOM_STRETCH_SECONDS = 15;

/**
 * Objects of random classes wandering through the picture: each enters at an edge heading
 * inwards, moves in legs of 1 to 3 s with a gentle turn (up to 0.35 rad/s) or stops for 1 to 3 s,
 * and leaves by whatever edge its path reaches (straight to the nearest one after 40 s).
 * Arrivals come in stretches of 15 s: a quarter of them quiet.
 */
export function randomTraffic(rng: Rng, spec: TrafficSpec): ObjectPlan[] {
	const warmUp = spec.warmUp ?? 10;
	const stopChance = spec.stopChance ?? 0.15;
	const plans: ObjectPlan[] = [];
	let id = spec.firstId ?? 1;
	for (let stretch = -warmUp; stretch < spec.duration; stretch += RANDOM_STRETCH_SECONDS) {
		const rate = spec.arrivalsPerSecond * (rng.next() < 0.25 ? 0.05 : rng.between(0.6, 1.4));
		for (let t = stretch + exponential(rng, rate); t < Math.min(stretch + RANDOM_STRETCH_SECONDS, spec.duration); t += exponential(rng, rate)) {
			plans.push(wanderer(rng, spec, id++, t, stopChance));
		}
	}
	return plans;
}

function exponential(rng: Rng, rate: number): number {
	return rate > 0 ? -Math.log(1 - rng.next()) / rate : Infinity;
}

function wanderer(rng: Rng, spec: TrafficSpec, id: number, start: number, stopChance: number): ObjectPlan {
	const { image } = spec;
	const width = rng.between(spec.size[0], spec.size[1]) * image.width;
	const height = Math.min(width * rng.between(0.7, 1.5), image.height * 0.6);
	const speed = rng.between(spec.speed[0], spec.speed[1]) * image.width;
	const edge = rng.int(0, 3);
	const spread = rng.between(-0.6, 0.6);
	// Just outside an edge, heading in across it.
	const [x, y, heading] =
		edge === 0 ? [-1, rng.between(0.1, 0.9) * image.height, spread]
		: edge === 1 ? [image.width + 1, rng.between(0.1, 0.9) * image.height, Math.PI + spread]
		: edge === 2 ? [rng.between(0.1, 0.9) * image.width, -1, Math.PI / 2 + spread]
		: [rng.between(0.1, 0.9) * image.width, image.height + 1, -Math.PI / 2 + spread];
	const path = new PathBuilder(x, y, heading);
	let entered = false;
	while (path.seconds < 40) {
		if (rng.next() < stopChance && entered) path.wait(rng.between(1, 3));
		else path.move(rng.between(1, 3), speed * rng.between(0.85, 1.15), rng.between(-0.35, 0.35));
		const inside = inImage(image, path.x, path.y);
		if (inside) entered = true;
		else if (entered || path.seconds > 6) break;
	}
	if (inImage(image, path.x, path.y)) {
		// Out by the nearest edge.
		const exits = [
			[-20, path.y, path.x],
			[image.width + 20, path.y, image.width - path.x],
			[path.x, -20, path.y],
			[path.x, image.height + 20, image.height - path.y],
		].sort((a, b) => a[2] - b[2]);
		path.to(exits[0][0], exits[0][1], speed);
	}
	const classIndex = spec.classesInTurn ? id % spec.classCount : rng.int(0, spec.classCount - 1);
	const plan = planFrom(path, { id, classIndex, start, x, y, width, height, confidence: rng.between(0.55, 0.95) });
	return endAtExit(plan, image);
}
