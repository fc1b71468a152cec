/**
 * Writes sample timeline pictures (the Summary's PNG) from made-up data, so a person can look at
 * them: npx tsx scripts/timeline-sample.ts <out.png> [preset]
 * Presets: three (default: 3 classes over 20 minutes, a counting line), long (1 class over 10
 * hours), many (15 classes), empty (no classes), all (every preset, <out> as a prefix).
 * Prints each file's size and the time timelinePng took.
 */
import { writeFileSync } from 'fs';

import { timelinePng, type TimelineClass, type TimelineInput } from '../nodes/RoboflowVideo/results/timeline/timelinePicture';

/** A small deterministic random source, so the samples are the same on every run. */
function random(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

/** A made-up class: visits of random length, and per bin the number in view during a visit. */
function madeUp(model: string, name: string, seconds: number, bins: number, visits: number, peak: number, seed: number): TimelineClass {
	const rnd = random(seed);
	const appearances: Array<{ start: number; end: number }> = [];
	let t = rnd() * (seconds / visits);
	for (let i = 0; i < visits && t < seconds; i++) {
		const end = Math.min(seconds, t + (0.2 + rnd()) * (seconds / visits / 2));
		appearances.push({ start: t, end });
		t = end + rnd() * (seconds / visits);
	}
	// During a visit the number in view wanders between 1 and `peak`, a step at a time.
	let inView = 1;
	const counts = Array.from({ length: bins }, (_, b) => {
		const mid = ((b + 0.5) / bins) * seconds;
		if (!appearances.some((a) => a.start <= mid && mid <= a.end)) return (inView = 0);
		const r = rnd();
		inView = Math.min(peak, Math.max(1, inView + (r < 0.15 ? -1 : r > 0.85 ? 1 : 0)));
		return inView;
	});
	return { model, name, appearances, counts, uniqueObjects: Math.round(visits * (1 + rnd() * peak)), peakCount: Math.max(0, ...counts) };
}

const PRESETS: Record<string, () => TimelineInput> = {
	three: () => ({
		jobId: 'job-7f3c2a91-5d1e-4b8a-9c0f-2e6d4a1b8c37',
		videoSeconds: 20 * 60,
		line: { in: 134, out: 129 },
		classes: [
			madeUp('vehicle-detection/4', 'car', 1200, 600, 40, 7, 1),
			madeUp('vehicle-detection/4', 'truck', 1200, 600, 8, 2, 2),
			madeUp('coco/3', 'person', 1200, 600, 15, 4, 3),
		],
	}),
	long: () => ({
		jobId: 'overnight-parking-lot',
		videoSeconds: 10 * 3600,
		classes: [madeUp('coco/3', 'person', 36000, 3000, 60, 3, 4)],
	}),
	many: () => ({
		jobId: 'many-classes',
		videoSeconds: 5 * 60 + 17,
		classes: Array.from({ length: 15 }, (_, i) =>
			madeUp(i % 2 ? 'coco/3' : 'warehouse-safety-ppe-detection-model/12', i === 3 ? 'a-very-long-class-name-that-will-not-fit-in-the-label-column' : i === 5 ? 'Straße café' : `class ${i + 1}`, 317, 2000, 3 + i, 1 + (i % 5), 10 + i),
		),
	}),
	empty: () => ({ jobId: 'nothing-here', videoSeconds: 42, classes: [] }),
};

function write(path: string, preset: string): void {
	const input = PRESETS[preset]();
	const started = performance.now();
	const png = timelinePng(input);
	const ms = performance.now() - started;
	writeFileSync(path, png);
	console.log(`${path}: ${preset}, ${png.length} bytes, timelinePng ${ms.toFixed(1)} ms`);
}

const [out, preset = 'three'] = process.argv.slice(2);
if (!out || !(preset in PRESETS || preset === 'all')) {
	console.error(`usage: npx tsx scripts/timeline-sample.ts <out.png> [${[...Object.keys(PRESETS), 'all'].join('|')}]`);
	process.exit(2);
}
if (preset === 'all') for (const name of Object.keys(PRESETS)) write(`${out.replace(/\.png$/, '')}-${name}.png`, name);
else write(out, preset);
