import { buildResults, CLIP_EMBEDDING_LENGTH, frameOffsets, type ResultsInput, type ResultsModel } from '../results';
import { startEmulator } from '../server';
import { createJob, poll, uploadFixture } from './helpers';

const VIDEO = { fps: 24, frameCount: 96, durationSeconds: 4, width: 320, height: 240 };
const MINUTE = { ...VIDEO, frameCount: 24 * 60, durationSeconds: 60 };
const input = (models: ResultsModel[], overrides: Partial<ResultsInput> = {}): ResultsInput => ({ seed: 1, inputKey: 'video-a', inferFps: 6, video: VIDEO, models, ...overrides });
const model = (model_id: string, inference_type: ResultsModel['inference_type'], extra: Partial<ResultsModel> = {}): ResultsModel => ({ model_id, model_version: '1', inference_type, ...extra });

const frames = (file: Record<string, unknown[]>, key: string): any[] => file[key].filter((entry) => entry !== null);

describe('frame and time offsets', () => {
	it('follow round(i * video_fps / infer_fps) and frame/fps to 4 decimals', () => {
		expect(frameOffsets(24, 96, 6)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92]);
		expect(frameOffsets(29.97, 60, 7).slice(0, 4)).toEqual([0, 4, 9, 13]);
		const file = buildResults(input([model('clip', 'clip-embed-image')], { inferFps: 7, video: { ...VIDEO, fps: 29.97, frameCount: 60 } }));
		expect(file.time_offset.slice(0, 4)).toEqual([0, 0.1335, 0.3003, 0.4338]);
	});

	it('has one list per model_id, all of the same length, with some frames null', () => {
		const file = buildResults(input([model('rock-paper-scissors-presentation', 'object-detection'), model('clip', 'clip-embed-image')]));
		expect(Object.keys(file)).toEqual(['frame_offset', 'time_offset', 'rock-paper-scissors-presentation', 'clip']);
		for (const key of Object.keys(file)) expect(file[key]).toHaveLength(24);
		for (const key of ['rock-paper-scissors-presentation', 'clip']) {
			const nulls = file[key].filter((entry) => entry === null).length;
			expect(nulls).toBeGreaterThan(0);
			expect(nulls).toBeLessThan(8);
		}
	});
});

describe('frames per inference type', () => {
	it('object detection: boxes inside the image, project classes', () => {
		const file = buildResults(input([model('rock-paper-scissors-presentation', 'object-detection')], { inferFps: 24 }));
		const all = frames(file, 'rock-paper-scissors-presentation');
		expect(all.some((f) => f.predictions.length > 0)).toBe(true);
		for (const frame of all) {
			expect(frame).toEqual({ time: expect.any(Number), image: { width: 320, height: 240 }, predictions: expect.any(Array) });
			for (const p of frame.predictions) {
				expect(Object.keys(p).sort()).toEqual(['class', 'class_id', 'confidence', 'detection_id', 'height', 'width', 'x', 'y']);
				expect(['Paper', 'Rock', 'Scissors'][p.class_id]).toBe(p.class);
				expect(p.x - p.width / 2).toBeGreaterThanOrEqual(-0.1);
				expect(p.x + p.width / 2).toBeLessThanOrEqual(320.1);
				expect(p.confidence).toBeGreaterThanOrEqual(0.4); // the default threshold
			}
		}
	});

	it('object detection: objects come and go, so a minute of video has empty frames, busy ones and every class', () => {
		const file = buildResults(input([model('rock-paper-scissors-presentation', 'object-detection')], { inferFps: 2, video: MINUTE }));
		const all = frames(file, 'rock-paper-scissors-presentation');
		expect(new Set(all.flatMap((f) => f.predictions.map((p: any) => p.class)))).toEqual(new Set(['Paper', 'Rock', 'Scissors']));
		const counts = all.map((f) => f.predictions.length);
		expect(counts.filter((n) => n === 0).length).toBeGreaterThan(5);
		expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
	});

	it('respects inference_params.confidence by dropping predictions, never changing the survivors', () => {
		const loose = buildResults(input([model('rock-paper-scissors-presentation', 'object-detection', { inference_params: { confidence: 0.1 } })]));
		const strict = buildResults(input([model('rock-paper-scissors-presentation', 'object-detection', { inference_params: { confidence: 0.8 } })]));
		const looseFrames = loose['rock-paper-scissors-presentation'] as any[];
		const strictFrames = strict['rock-paper-scissors-presentation'] as any[];
		let dropped = 0;
		looseFrames.forEach((frame, i) => {
			if (!frame) return expect(strictFrames[i]).toBeNull();
			const kept = frame.predictions.filter((p: any) => p.confidence >= 0.8);
			expect(strictFrames[i].predictions).toEqual(kept);
			dropped += frame.predictions.length - kept.length;
		});
		expect(dropped).toBeGreaterThan(0);
	});

	it('instance segmentation: polygons of points', () => {
		const all = frames(buildResults(input([model('pothole-segmentation', 'instance-segmentation')], { inferFps: 24 })), 'pothole-segmentation');
		const predictions = all.flatMap((f) => f.predictions);
		expect(predictions.length).toBeGreaterThan(0);
		for (const p of predictions) {
			expect(p.class).toBe('pothole');
			expect(p.points.length).toBeGreaterThanOrEqual(8);
			expect(p.points[0]).toEqual({ x: expect.any(Number), y: expect.any(Number) });
		}
	});

	it('keypoint detection: named keypoints with confidence', () => {
		const all = frames(buildResults(input([model('hand-keypoints', 'keypoint-detection')], { inferFps: 24 })), 'hand-keypoints');
		const p = all.flatMap((f) => f.predictions)[0];
		expect(p.keypoints.map((k: any) => k.class)).toEqual(['wrist', 'thumb_tip', 'index_tip', 'middle_tip', 'ring_tip', 'pinky_tip']);
		expect(p.keypoints[0]).toEqual({ x: expect.any(Number), y: expect.any(Number), confidence: expect.any(Number), class_id: 0, class: 'wrist' });
	});

	it('classification: top class and its confidence', () => {
		const [frame] = frames(buildResults(input([model('weather-classification', 'classification', { inference_params: { confidence: 0 } })])), 'weather-classification');
		expect(frame).toEqual({ time: expect.any(Number), image: { width: 320, height: 240 }, predictions: expect.any(Array), top: frame.predictions[0].class, confidence: frame.predictions[0].confidence });
		expect(frame.predictions.map((p: any) => p.class).sort()).toEqual(['cloudy', 'rain', 'shine', 'sunrise']);
		expect(frame.predictions.reduce((sum: number, p: any) => sum + p.confidence, 0)).toBeCloseTo(1, 2);
	});

	it('CLIP: a bare unit-length array of 512 floats', () => {
		const [embedding] = frames(buildResults(input([model('clip', 'clip-embed-image')])), 'clip');
		expect(Array.isArray(embedding)).toBe(true);
		expect(embedding).toHaveLength(CLIP_EMBEDDING_LENGTH);
		expect(Math.sqrt(embedding.reduce((s: number, v: number) => s + v * v, 0))).toBeCloseTo(1, 3);
	});

	it('gaze: faces with landmarks, yaw and pitch in radians', () => {
		const all = frames(buildResults(input([model('gaze', 'gaze-detection')], { inferFps: 24 })), 'gaze');
		const p = all.flatMap((f) => f.predictions)[0];
		expect(p.face).toMatchObject({ x: expect.any(Number), y: expect.any(Number), width: expect.any(Number), height: expect.any(Number), confidence: expect.any(Number), class: 'face', class_id: 0 });
		expect(p.face.landmarks).toHaveLength(6);
		expect(Math.abs(p.yaw)).toBeLessThan(Math.PI / 2);
		expect(Math.abs(p.pitch)).toBeLessThan(Math.PI / 2);
	});
});

describe('coherent motion (motion.ts): objects persist from frame to frame', () => {
	/** For each detection of a frame, the nearest one of the same class in the next frame. */
	const nearestNext = (all: any[]): number[] => {
		const distances: number[] = [];
		for (let i = 0; i + 1 < all.length; i++) {
			if (!all[i] || !all[i + 1]) continue;
			for (const p of all[i].predictions) {
				const same = all[i + 1].predictions.filter((q: any) => q.class === p.class);
				if (same.length) distances.push(Math.min(...same.map((q: any) => Math.hypot(q.x - p.x, q.y - p.y))));
			}
		}
		return distances;
	};

	it('at 24 fps nearly every box has a box of its class a few pixels away in the next frame, which random boxes do not', () => {
		const all = buildResults(input([model('rock-paper-scissors-presentation', 'object-detection')], { inferFps: 24, video: MINUTE }))['rock-paper-scissors-presentation'] as any[];
		const distances = nearestNext(all);
		expect(distances.length).toBeGreaterThan(500);
		const close = distances.filter((d) => d < 15).length / distances.length; // 15 px of a 320 px picture
		expect(close).toBeGreaterThan(0.9);
		// The detection ids still change every frame: Roboflow gives no identity.
		const ids = all.flatMap((f: any) => f?.predictions.map((p: any) => p.detection_id) ?? []);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('instance segmentation: the polygon keeps its shape and follows its box', () => {
		const all = frames(buildResults(input([model('pothole-segmentation', 'instance-segmentation')], { inferFps: 24, video: MINUTE })), 'pothole-segmentation');
		const predictions = all.flatMap((f) => f.predictions);
		expect(predictions.length).toBeGreaterThan(100);
		for (const p of predictions) {
			const xs = p.points.map((q: any) => q.x);
			const ys = p.points.map((q: any) => q.y);
			expect(Math.max(...xs)).toBeLessThanOrEqual(p.x + (p.width / 2) * 1.04 + 0.1);
			expect(Math.min(...xs)).toBeGreaterThanOrEqual(p.x - (p.width / 2) * 1.04 - 0.1);
			expect(Math.max(...ys)).toBeLessThanOrEqual(p.y + (p.height / 2) * 1.04 + 0.1);
			expect(Math.min(...ys)).toBeGreaterThanOrEqual(p.y - (p.height / 2) * 1.04 - 0.1);
		}
		// The same object from one frame to the next: same number of points.
		let kept = 0;
		let pairs = 0;
		for (let i = 0; i + 1 < all.length; i++) {
			for (const p of all[i].predictions) {
				const next = all[i + 1].predictions.find((q: any) => Math.hypot(q.x - p.x, q.y - p.y) < 5);
				if (!next) continue;
				pairs++;
				if (next.points.length === p.points.length) kept++;
			}
		}
		expect(pairs).toBeGreaterThan(100);
		expect(kept / pairs).toBeGreaterThan(0.95);
	});

	it('keypoint detection: the keypoints stay inside their box', () => {
		const all = frames(buildResults(input([model('hand-keypoints', 'keypoint-detection')], { inferFps: 12, video: MINUTE })), 'hand-keypoints');
		const predictions = all.flatMap((f) => f.predictions);
		expect(predictions.length).toBeGreaterThan(50);
		for (const p of predictions) {
			for (const k of p.keypoints) {
				expect(Math.abs(k.x - p.x)).toBeLessThanOrEqual(p.width * 0.47 + 0.1);
				expect(Math.abs(k.y - p.y)).toBeLessThanOrEqual(p.height * 0.47 + 0.1);
			}
		}
	});
});

describe('determinism', () => {
	const models = [model('rock-paper-scissors-presentation', 'object-detection'), model('gaze', 'gaze-detection')];
	it('same seed and input give the same file; another seed or video gives another', () => {
		const a = JSON.stringify(buildResults(input(models)));
		expect(JSON.stringify(buildResults(input(models)))).toBe(a);
		expect(JSON.stringify(buildResults(input(models, { seed: 2 })))).not.toBe(a);
		expect(JSON.stringify(buildResults(input(models, { inputKey: 'video-b' })))).not.toBe(a);
	});

	it('two emulators with the same seed produce identical job ids and results files', async () => {
		const run = async (): Promise<string> => {
			const emulator = await startEmulator({ seed: 42, processing: { fixedSeconds: 0 } });
			try {
				const jobId = await createJob(emulator, { input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 4, models: [{ model_id: 'rock-paper-scissors-presentation', model_version: '3', inference_type: 'object-detection' }] });
				const url = (await poll(emulator, jobId)).body.output_signed_url;
				return `${jobId}\n${await (await fetch(url)).text()}`;
			} finally {
				await emulator.close();
			}
		};
		expect(await run()).toBe(await run());
	});
});
