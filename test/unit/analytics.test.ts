import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_ANALYTICS, type AnalyticsSettings } from '../../nodes/RoboflowVideo/results/analytics/analytics';
import { unite } from '../../nodes/RoboflowVideo/results/analytics/intervals';
import { shapeResultsText, type OutputFormat, type ResultsOutputSettings } from '../../nodes/RoboflowVideo/results/output';

/** An object in a made-up video: where it is at time t (undefined: not in view), its class and confidence. */
interface Actor {
	cls?: string;
	at: (t: number) => { x: number; y: number } | undefined;
	confidence?: number;
	size?: number;
}

/** A results file of one detection model at `fps` for `seconds`, from the actors. */
function video(fps: number, seconds: number, actors: Actor[]): string {
	const times: number[] = [];
	const frames: IDataObject[] = [];
	for (let i = 0; i < fps * seconds; i++) {
		const t = Math.round((i / fps) * 1e4) / 1e4;
		times.push(t);
		const predictions = actors.flatMap((a) => {
			const c = a.at(t);
			const size = a.size ?? 40;
			return c ? [{ x: c.x, y: c.y, width: size, height: size * 2, confidence: a.confidence ?? 0.9, class: a.cls ?? 'person', class_id: 0 }] : [];
		});
		frames.push({ image: { width: 1000, height: 1000 }, predictions });
	}
	return JSON.stringify({ frame_offset: times.map((_, i) => i), time_offset: times, m: frames });
}

function run(text: string, analytics: Partial<AnalyticsSettings> = {}, output: OutputFormat = 'summary'): IDataObject[] {
	const settings: ResultsOutputSettings = {
		output,
		binaryPropertyName: 'data',
		filters: {},
		onlyFramesWithPredictions: true,
		selection: { everyNthFrame: 1 },
		analytics: { ...DEFAULT_ANALYTICS, ...analytics },
	};
	return shapeResultsText('j', text, settings);
}

function classOf(text: string, analytics: Partial<AnalyticsSettings> = {}, cls = 'person'): IDataObject {
	const [summary] = run(text, analytics);
	return ((summary.models as IDataObject).m as IDataObject & { classes: Record<string, IDataObject> }).classes[cls];
}

/** Moves from (x0, y0) at speed (vx, vy) px/s between `from` and `to` seconds. */
const walk = (x0: number, y0: number, vx: number, vy: number, from = 0, to = Infinity) => (t: number) =>
	t >= from && t <= to ? { x: x0 + vx * (t - from), y: y0 + vy * (t - from) } : undefined;

const hidden = (at: Actor['at'], from: number, to: number) => (t: number) => (t >= from && t < to ? undefined : at(t));

describe('tracking counts distinct objects, not detections', () => {
	it.each<[string, string, Partial<AnalyticsSettings>, number]>([
		['two people side by side at 10 fps', video(10, 20, [{ at: walk(100, 300, 20, 0) }, { at: walk(100, 500, 20, 0) }]), {}, 2],
		['one person hidden for 3 s, reappearing on its path', video(10, 20, [{ at: hidden(walk(100, 300, 30, 0), 5, 8) }]), {}, 1],
		['the same, with Max Hidden Time 2 s: two objects', video(10, 20, [{ at: hidden(walk(100, 300, 30, 0), 5, 8) }]), { maxHiddenSeconds: 2 }, 2],
		['at 1 fps, moving three sizes a frame', video(1, 8, [{ at: walk(0, 300, 120, 2) }]), {}, 1],
		['two crossing paths at 5 fps', video(5, 20, [{ at: walk(100, 300, 40, 10) }, { at: walk(900, 300, -40, 10) }]), {}, 2],
		['a low-confidence one-frame blip is no object', video(10, 10, [{ at: walk(500, 500, 0, 0, 3, 3.05), confidence: 0.3 }]), {}, 0],
		['a sure one-frame sighting is', video(10, 10, [{ at: walk(500, 500, 0, 0, 3, 3.05), confidence: 0.95 }]), {}, 1],
		['three people one after another', video(10, 60, [0, 20, 40].map((s) => ({ at: walk(100, 300, 50, 0, s, s + 10) }))), {}, 3],
	])('%s', (_, text, settings, unique) => {
		expect(classOf(text, settings)?.unique_objects ?? 0).toBe(unique);
	});
});

describe('appearances, peak and seconds present', () => {
	it('one stretch while people come and go with overlap; the peak is when both are in view', () => {
		const c = classOf(video(10, 60, [{ at: walk(100, 300, 10, 0, 5, 25) }, { at: walk(100, 500, 10, 0, 20, 40) }]));
		expect(c).toMatchObject({ unique_objects: 2, peak_count: 2, peak_time: 20, appearances: [{ start: 5, end: 40 }], seconds_present: 35 });
	});

	it.each<[string, Partial<AnalyticsSettings>, Array<{ start: number; end: number }>]>([
		['a gap of 0.5 s is joined (Merge Gaps Shorter Than 1 s)', {}, [{ start: 0, end: 20.5 }]],
		['kept apart with Merge Gaps Shorter Than 0.2 s', { mergeGapsShorterThan: 0.2 }, [{ start: 0, end: 10 }, { start: 10.5, end: 20.5 }]],
		['Minimum Duration 15 s drops both', { mergeGapsShorterThan: 0, minimumDuration: 15 }, []],
	])('%s', (_, settings, appearances) => {
		// Two different people (far apart), the second appearing 0.5 s after the first left.
		const text = video(10, 30, [{ at: walk(100, 100, 5, 0, 0, 10) }, { at: walk(800, 800, 5, 0, 10.5, 20.5) }]);
		expect(classOf(text, settings).appearances).toEqual(appearances);
	});
});

describe('counting line: direction, the segment only, once per object', () => {
	// The example: a line drawn upwards from (100,500) to (100,100); "in" is a move from x > 100 to x < 100.
	const line = { points: [{ x: 100, y: 500 }, { x: 100, y: 100 }], relative: false };
	it.each<[string, Actor[], { in: number; out: number }]>([
		['right to left is in', [{ at: walk(300, 300, -40, 0) }], { in: 1, out: 0 }],
		['left to right is out', [{ at: walk(0, 300, 40, 0, 0, 8) }], { in: 0, out: 1 }],
		['round the end of the segment (y 700) does not count', [{ at: walk(300, 700, -40, 0) }], { in: 0, out: 0 }],
		// Reaches the line at 4 s, wavers on it (boxes jitter 6 px either way) for 2 s, then goes on.
		['jitter on the line counts once', [{ at: (t) => ({ x: t < 4 ? 260 - 40 * t : t < 6 ? 100 + (Math.round(t * 10) % 2 ? 6 : -6) : 100 - 40 * (t - 6), y: 300 }) }], { in: 1, out: 0 }],
		['in and back out', [{ at: (t) => ({ x: t < 5 ? 300 - 50 * t : 50 + 50 * (t - 5), y: 300 }) }], { in: 1, out: 1 }],
		['crossing while hidden still counts', [{ at: hidden(walk(300, 300, -40, 0), 4, 6) }], { in: 1, out: 0 }],
		['three people crossing in, one out', [
			{ at: walk(300, 150, -40, 0) }, { at: walk(300, 300, -30, 0) }, { at: walk(300, 450, -50, 0) }, { at: walk(0, 220, 30, 0) },
		], { in: 3, out: 1 }],
	])('%s', (_, actors, crossings) => {
		expect(classOf(video(10, 10, actors), { countingLine: line }).line_crossings).toEqual(crossings);
	});

	it('a line in fractions of the frame is placed on the image (1000 x 1000 here)', () => {
		const relative = { points: [{ x: 0.1, y: 0.5 }, { x: 0.1, y: 0.1 }], relative: true };
		expect(classOf(video(10, 10, [{ at: walk(300, 300, -40, 0) }]), { countingLine: relative }).line_crossings).toEqual({ in: 1, out: 0 });
	});
});

describe('zone: entries, most inside, seconds occupied', () => {
	const zone = { points: [{ x: 400, y: 400 }, { x: 600, y: 400 }, { x: 600, y: 600 }, { x: 400, y: 600 }], relative: false };
	it('two people pass through, one lingers', () => {
		const c = classOf(
			video(10, 30, [
				{ at: walk(300, 500, 20, 0, 0, 20) }, // inside from x=400 (t=5) to x=600 (t=15)
				{ at: (t) => (t >= 8 && t <= 12 ? { x: 500, y: 450 } : undefined) }, // inside 8..12
				{ at: walk(100, 100, 10, 0) }, // never inside
			]),
			{ zone },
		);
		expect(c.zone).toEqual({ objects_entered: 2, max_inside: 2, seconds_occupied: 9.9 });
	});
});

describe('One Item per Object and One Item per Appearance', () => {
	const text = video(10, 40, [{ at: walk(300, 300, -25, 0, 0, 10) }, { at: walk(900, 800, -10, 0, 20, 30), cls: 'forklift' }]);
	it('an item per object, with where it came in and went out', () => {
		const items = run(text, { countingLine: { points: [{ x: 100, y: 500 }, { x: 100, y: 100 }], relative: false } }, 'objects');
		expect(items).toEqual([
			{ job_id: 'j', model: 'm', class: 'person', object: 1, first_seen: 0, last_seen: 10, seconds: 10, frames: 101, max_confidence: 0.9, entry: { x: 300, y: 300 }, exit: { x: 50, y: 300 }, line_crossings: { in: 1, out: 0 } },
			{ job_id: 'j', model: 'm', class: 'forklift', object: 1, first_seen: 20, last_seen: 30, seconds: 10, frames: 101, max_confidence: 0.9, entry: { x: 900, y: 800 }, exit: { x: 800, y: 800 }, line_crossings: { in: 0, out: 0 } },
		]);
	});

	it('an item per appearance, in time order', () => {
		expect(run(text, {}, 'appearances')).toEqual([
			{ job_id: 'j', model: 'm', class: 'person', start: 0, end: 10, seconds: 10, peak_count: 1 },
			{ job_id: 'j', model: 'm', class: 'forklift', start: 20, end: 30, seconds: 10, peak_count: 1 },
		]);
	});
});

describe('unite joins and drops stretches of time', () => {
	it.each([
		[[], 1, 0, []],
		[[{ start: 5, end: 6 }, { start: 0, end: 2 }, { start: 1, end: 3 }], 0, 0, [{ start: 0, end: 3 }, { start: 5, end: 6 }]],
		[[{ start: 0, end: 2 }, { start: 2.5, end: 3 }], 1, 0, [{ start: 0, end: 3 }]],
		[[{ start: 0, end: 2 }, { start: 4, end: 4.5 }], 1, 1, [{ start: 0, end: 2 }]],
		// A gap of exactly the merge length stays (float error included: 68.6 - 67.6 < 1).
		[[{ start: 60.6, end: 67.6 }, { start: 68.6, end: 76.1 }], 1, 0, [{ start: 60.6, end: 67.6 }, { start: 68.6, end: 76.1 }]],
		[[{ start: 0, end: 1 }, { start: 1, end: 2 }], 0, 0, [{ start: 0, end: 2 }]],
	])('%j, gaps < %d joined, under %d s dropped', (intervals, merge, minimum, out) => {
		expect(unite(intervals, merge, minimum)).toEqual(out);
	});
});
