/**
 * Large Roboflow-shaped results files for benchmarks and limit measurements, generated from a
 * seed and cached outside the project (`<cacheRoot()>/results-files/`).
 *
 * The shape is the one the emulator serves (test/emulator/results.ts; ../shared/roboflow-api.md,
 * "The results file"), keys in this order:
 *   {"frame_offset":[...],"time_offset":[...],"<model_id>":[FRAME | null, ...]}
 * FRAME = {"time", "image": {"width","height"}, "predictions": [{x, y, width, height,
 * confidence, class, class_id, detection_id}]}, and for instance segmentation each prediction
 * also has "points": [{x, y}, ...].
 *
 * The predictions are not noise: objects with identities enter, drift along their paths with
 * their own size and class, are missed now and then, and leave; about one frame in 300 was not
 * inferred (null). Everything is written as it is generated, a few MiB at a time, so a file far
 * past V8's longest string (536,870,888 characters) is no problem; it is written under a
 * temporary name and renamed when complete, so a cached file is always a whole one.
 *
 *   const file = await ensureResultsFile('174mb');           // { path, bytes, frames, ... }
 *   const probe = await ensureDetectionResultsFile(40_000);   // a detection file of 40k frames
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { createRng } from '../emulator/prng';
import { cacheRoot, type Log } from './install';

/** Goes into every file name: raise it whenever the generator's output changes. */
export const RESULTS_FILES_VERSION = 1;

export type ResultsFileKind = 'object-detection' | 'instance-segmentation';

export interface ResultsFileSpec {
	kind: ResultsFileKind;
	/** The results key (Roboflow's model_id); a project of the emulator's catalog. */
	modelId: string;
	classes: string[];
	videoFps: number;
	inferFps: number;
	/** Inferred frames (entries of each list). */
	frames: number;
	/** Objects in view on average (12.5 gives ~10 boxes a frame: some are missed, clipped or leaving). */
	meanObjects: number;
	/** Instance segmentation: points per polygon. */
	polygonPoints?: number;
	image: { width: number; height: number };
	seed: number;
}

export interface ResultsFileInfo {
	/** Preset name, or a name made from the spec. */
	name: string;
	/** One line for tables, e.g. "1 h at 30 fps, detection (108,000 frames, ~10 boxes)". */
	label: string;
	spec: ResultsFileSpec;
	path: string;
	bytes: number;
	/** Milliseconds spent generating it in this call; 0 when it came from the cache. */
	generatedMs: number;
}

const DETECTION = { kind: 'object-detection' as const, modelId: 'rock-paper-scissors-presentation', classes: ['Paper', 'Rock', 'Scissors'] };
const SEGMENTATION = { kind: 'instance-segmentation' as const, modelId: 'pothole-segmentation', classes: ['pothole'] };
const IMAGE = { width: 1280, height: 720 };
const SEED = 20_251;

/**
 * The four files of "Results of any size in flat memory". Version 1 writes 27,674,204 bytes,
 * 167,832,395, 514,459,486 and 1,593,191,385 bytes (the last is three times V8's longest string).
 */
export const RESULTS_FILE_PRESETS = {
	'29mb': {
		label: '1 h at 5 fps, detection (18,000 frames, ~10 boxes)',
		spec: { ...DETECTION, videoFps: 30, inferFps: 5, frames: 18_000, meanObjects: 12, image: IMAGE, seed: SEED },
	},
	'174mb': {
		label: '1 h at 30 fps, detection (108,000 frames, ~10 boxes)',
		spec: { ...DETECTION, videoFps: 30, inferFps: 30, frames: 108_000, meanObjects: 12, image: IMAGE, seed: SEED },
	},
	'507mb': {
		label: '2 h 55 min at 30 fps, detection (315,000 frames, ~10 boxes)',
		spec: { ...DETECTION, videoFps: 30, inferFps: 30, frames: 315_000, meanObjects: 13, image: IMAGE, seed: SEED },
	},
	'1.58gb': {
		label: '1 h at 30 fps, instance segmentation (108,000 frames, ~10 masks of 60 points)',
		spec: { ...SEGMENTATION, videoFps: 30, inferFps: 30, frames: 108_000, meanObjects: 12, polygonPoints: 60, image: IMAGE, seed: SEED },
	},
} satisfies Record<string, { label: string; spec: ResultsFileSpec }>;

export type ResultsFilePreset = keyof typeof RESULTS_FILE_PRESETS;
export const RESULTS_FILE_PRESET_NAMES = Object.keys(RESULTS_FILE_PRESETS) as ResultsFilePreset[];

/** Average bytes per frame of detectionSpec() files (measured on version 1), for sizing. */
export const DETECTION_BYTES_PER_FRAME = 1_580;

/** A 30 fps detection file of `frames` frames, like the 174 MB preset (for limit measurements). */
export function detectionSpec(frames: number, overrides: Partial<ResultsFileSpec> = {}): ResultsFileSpec {
	if (!Number.isInteger(frames) || frames < 1) throw new Error(`frames must be a whole number >= 1, not ${frames}`);
	return { ...RESULTS_FILE_PRESETS['174mb'].spec, frames, ...overrides };
}

/** The number of frames that makes a detection file of about `bytes` bytes. */
export function detectionFramesForBytes(bytes: number): number {
	return Math.max(1, Math.round(bytes / DETECTION_BYTES_PER_FRAME));
}

export function resultsFilesDir(): string {
	return path.join(cacheRoot(), 'results-files');
}

/** The cached file of a spec: its kind, size and a hash of the whole spec, and the version. */
export function resultsFilePath(spec: ResultsFileSpec): string {
	const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10);
	const kind = spec.kind === 'object-detection' ? 'detection' : 'segmentation';
	return path.join(resultsFilesDir(), `${kind}-${spec.frames}f-${spec.inferFps}fps-${hash}-v${RESULTS_FILES_VERSION}.json`);
}

/** A preset file, generated on first use and cached. */
export async function ensureResultsFile(preset: ResultsFilePreset, options: { log?: Log } = {}): Promise<ResultsFileInfo> {
	const found = RESULTS_FILE_PRESETS[preset];
	if (!found) throw new Error(`No results file preset "${String(preset)}"; there are ${RESULTS_FILE_PRESET_NAMES.join(', ')}`);
	return await ensureSpecFile(preset, found.label, found.spec, options.log);
}

/** A detection file of `frames` frames (30 fps, ~10 boxes), generated on first use and cached. */
export async function ensureDetectionResultsFile(frames: number, options: { log?: Log; overrides?: Partial<ResultsFileSpec> } = {}): Promise<ResultsFileInfo> {
	const spec = detectionSpec(frames, options.overrides);
	const label = `detection, ${frames.toLocaleString('en-US')} frames at ${spec.inferFps} fps, ~10 boxes`;
	return await ensureSpecFile(`detection-${frames}f`, label, spec, options.log);
}

async function ensureSpecFile(name: string, label: string, spec: ResultsFileSpec, log: Log = () => {}): Promise<ResultsFileInfo> {
	const target = resultsFilePath(spec);
	const cached = statOrUndefined(target);
	if (cached) return { name, label, spec, path: target, bytes: cached.size, generatedMs: 0 };
	log(`generating results file ${name} (${label}) into ${target} ...`);
	const started = Date.now();
	const bytes = await writeResultsFile(spec, target);
	const generatedMs = Date.now() - started;
	log(`generated ${name}: ${(bytes / 1e6).toFixed(1)} MB in ${(generatedMs / 1000).toFixed(1)} s`);
	return { name, label, spec, path: target, bytes, generatedMs };
}

function statOrUndefined(file: string): fs.Stats | undefined {
	try {
		return fs.statSync(file);
	} catch {
		return undefined;
	}
}

/**
 * Writes the file of `spec` to `destination` (through a temporary file beside it, renamed when
 * complete) and resolves with its size. Memory stays at a few MiB whatever the size.
 */
export async function writeResultsFile(spec: ResultsFileSpec, destination: string): Promise<number> {
	fs.mkdirSync(path.dirname(destination), { recursive: true });
	const temporary = `${destination}.${process.pid}-${Date.now().toString(36)}.partial`;
	const handle = await fs.promises.open(temporary, 'w');
	let bytes = 0;
	try {
		const sink = async (text: string): Promise<void> => {
			const buffer = Buffer.from(text, 'utf8');
			bytes += buffer.length;
			let offset = 0;
			while (offset < buffer.length) offset += (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten;
		};
		await generate(spec, sink);
		await handle.sync();
	} catch (error) {
		await handle.close().catch(() => undefined);
		fs.rmSync(temporary, { force: true });
		throw error;
	}
	await handle.close();
	fs.renameSync(temporary, destination);
	return bytes;
}

/** Flushes to `sink` whenever this much text has piled up. */
const CHUNK_CHARS = 4 * 1024 * 1024;

const round1 = (value: number): number => Math.round(value * 10) / 10;
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const round4 = (value: number): number => Math.round(value * 10000) / 10000;
const clamp = (value: number, min: number, max: number): number => (value < min ? min : value > max ? max : value);

interface Track {
	x: number;
	y: number;
	/** Pixels per second. */
	vx: number;
	vy: number;
	width: number;
	height: number;
	/** Relative size change per second. */
	grow: number;
	classId: number;
	confidence: number;
	/** Segmentation: the object's outline, one radius factor per polygon point. */
	outline?: number[];
}

async function generate(spec: ResultsFileSpec, sink: (text: string) => Promise<void>): Promise<void> {
	const rng = createRng('results-file', spec.seed, spec.kind, spec.modelId, spec.frames, spec.inferFps);
	const random = rng.next;
	const hex8 = (): string => (random() * 4294967296 >>> 0).toString(16).padStart(8, '0');
	const uuid = (): string => {
		const a = hex8();
		const b = hex8();
		const c = hex8();
		const d = hex8();
		const variant = '89ab'[c.charCodeAt(0) & 3];
		return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
	};

	let pending = '';
	const emit = async (text: string): Promise<void> => {
		pending += text;
		if (pending.length >= CHUNK_CHARS) {
			const out = pending;
			pending = '';
			await sink(out);
		}
	};

	// The two offset lists, computed as Roboflow does: round(i * video_fps / infer_fps).
	const offsetOf = (i: number): number => Math.round((i * spec.videoFps) / spec.inferFps);
	await emit('{"frame_offset":[');
	for (let i = 0; i < spec.frames; i++) await emit(i === 0 ? `${offsetOf(i)}` : `,${offsetOf(i)}`);
	await emit('],"time_offset":[');
	for (let i = 0; i < spec.frames; i++) {
		const time = round4(offsetOf(i) / spec.videoFps);
		await emit(i === 0 ? `${time}` : `,${time}`);
	}
	await emit(`],${JSON.stringify(spec.modelId)}:[`);

	const { width: imageWidth, height: imageHeight } = spec.image;
	const imageJson = `{"width":${imageWidth},"height":${imageHeight}}`;
	const classJson = spec.classes.map((name) => JSON.stringify(name));
	const points = spec.kind === 'instance-segmentation' ? (spec.polygonPoints ?? 60) : 0;
	const cos = Array.from({ length: points }, (_, k) => Math.cos((2 * Math.PI * k) / points));
	const sin = Array.from({ length: points }, (_, k) => Math.sin((2 * Math.PI * k) / points));
	const dt = 1 / spec.inferFps;
	// An object stays about 8 s on average, unless it leaves the picture sooner.
	const meanLifeFrames = 8 * spec.inferFps;

	const newTrack = (anywhere: boolean): Track => {
		const width = (0.04 + random() * 0.16) * imageWidth;
		const height = width * (0.6 + random() * 1.2);
		const speed = 20 + random() * 140;
		const heading = random() * 2 * Math.PI;
		let x = width / 2 + random() * (imageWidth - width);
		let y = height / 2 + random() * (imageHeight - height);
		if (!anywhere) {
			// Enter from the edge the object is heading away from.
			if (Math.abs(Math.cos(heading)) > Math.abs(Math.sin(heading))) x = Math.cos(heading) > 0 ? -width / 3 : imageWidth + width / 3;
			else y = Math.sin(heading) > 0 ? -height / 3 : imageHeight + height / 3;
		}
		return {
			x,
			y,
			vx: Math.cos(heading) * speed,
			vy: Math.sin(heading) * speed,
			width,
			height,
			grow: (random() - 0.5) * 0.1,
			classId: Math.floor(random() * spec.classes.length),
			confidence: 0.35 + random() * 0.6,
			outline: points ? Array.from({ length: points }, () => 0.8 + random() * 0.2) : undefined,
		};
	};

	let tracks: Track[] = Array.from({ length: Math.round(spec.meanObjects) }, () => newTrack(true));
	// How busy the scene is changes every 45 s of video: from quiet (now and then empty) to 1.4 times the mean.
	const segmentFrames = Math.max(1, Math.round(45 * spec.inferFps));
	let target = spec.meanObjects;
	for (let i = 0; i < spec.frames; i++) {
		if (i % segmentFrames === 0 && i > 0) target = random() < 0.05 ? 0 : spec.meanObjects * (0.6 + random() * 0.8);
		// Move everyone, let some leave (or wander out of view), let some enter.
		const leaveChance = (tracks.length > target ? 3 : 1) / meanLifeFrames;
		const kept: Track[] = [];
		for (const track of tracks) {
			track.vx += (random() - 0.5) * 40 * dt;
			track.vy += (random() - 0.5) * 40 * dt;
			track.x += track.vx * dt;
			track.y += track.vy * dt;
			const scale = 1 + track.grow * dt;
			track.width = clamp(track.width * scale, 12, imageWidth * 0.4);
			track.height = clamp(track.height * scale, 12, imageHeight * 0.6);
			const outOfView = track.x < -track.width / 2 || track.x > imageWidth + track.width / 2 || track.y < -track.height / 2 || track.y > imageHeight + track.height / 2;
			if (!outOfView && random() >= leaveChance) kept.push(track);
		}
		tracks = kept;
		// Arrivals: the steady flow, plus more while the scene is below its level (filled in ~2 s).
		for (let arrivals = target / meanLifeFrames + Math.max(0, target - tracks.length) / (2 * spec.inferFps); arrivals > 0 && random() < arrivals; arrivals -= 1) {
			tracks.push(newTrack(false));
		}

		const separator = i === 0 ? '' : ',';
		if (random() < 1 / 300) {
			await emit(`${separator}null`);
			continue;
		}
		let predictions = '';
		for (const track of tracks) {
			if (random() < 0.08) continue; // missed in this frame
			// The box as seen: clipped to the image, centre and size rounded as Roboflow sends them.
			const left = clamp(track.x - track.width / 2, 0, imageWidth);
			const right = clamp(track.x + track.width / 2, 0, imageWidth);
			const top = clamp(track.y - track.height / 2, 0, imageHeight);
			const bottom = clamp(track.y + track.height / 2, 0, imageHeight);
			if (right - left < 4 || bottom - top < 4) continue;
			const width = round1(right - left);
			const height = round1(bottom - top);
			const x = round1((left + right) / 2);
			const y = round1((top + bottom) / 2);
			const confidence = round3(clamp(track.confidence + (random() - 0.5) * 0.1, 0.05, 0.999));
			let prediction = `{"x":${x},"y":${y},"width":${width},"height":${height},"confidence":${confidence},"class":${classJson[track.classId]},"class_id":${track.classId},"detection_id":"${uuid()}"`;
			if (track.outline) {
				let polygon = '';
				for (let k = 0; k < points; k++) {
					const px = round1(clamp(x + cos[k] * (width / 2) * track.outline[k], 0, imageWidth));
					const py = round1(clamp(y + sin[k] * (height / 2) * track.outline[k], 0, imageHeight));
					polygon += k === 0 ? `{"x":${px},"y":${py}}` : `,{"x":${px},"y":${py}}`;
				}
				prediction += `,"points":[${polygon}]`;
			}
			predictions += predictions ? `,${prediction}}` : `${prediction}}`;
		}
		const computeTime = round4(0.02 + random() * 0.1);
		await emit(`${separator}{"time":${computeTime},"image":${imageJson},"predictions":[${predictions}]}`);
	}
	await emit(']}');
	if (pending) await sink(pending);
}
