import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import type { IDataObject } from 'n8n-workflow';

import { kindOfEntry } from '../../nodes/RoboflowVideo/results/frames';
import type { ResultsFile } from '../emulator/results';
import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow } from '../harness/in-process-n8n';
import { ALL_KINDS, chain, credentialsFor, emulatorForTests, jsonOf, startJobDirectly, uploadSample } from './helpers';

type Frame = IDataObject & { predictions?: Array<IDataObject & { class?: string; confidence?: number; face?: IDataObject }> };

describe('results output against a real emulator results file with every inference type', () => {
	let emulator: RoboflowEmulator;
	let jobId: string;
	let file: ResultsFile;

	beforeAll(async () => {
		emulator = await emulatorForTests({ pollWindowMs: 0, processing: { fixedSeconds: 0 } });
		jobId = await startJobDirectly(emulator, await uploadSample(emulator), ALL_KINDS, 6);
		const status = (await (await fetch(`${emulator.apiUrl}/videoinfer/?api_key=${emulator.apiKey}&job_id=${jobId}`)).json()) as IDataObject;
		file = (await (await fetch(String(status.output_signed_url))).json()) as ResultsFile;
	});
	afterAll(async () => await emulator.close());

	const getResults = async (parameters: IDataObject) =>
		await runWorkflow(
			chain([{}], [{ name: 'Status', parameters: { operation: 'getStatus', jobId, downloadResults: true, ...parameters } }]),
			{ credentials: credentialsFor(emulator) },
		);

	it('reads each model\'s kind off the shape of its frames', () => {
		expect(Object.fromEntries(ALL_KINDS.map((m) => [m.model_id, (file[m.model_id] as unknown[]).map(kindOfEntry).find(Boolean) ?? 'unknown']))).toEqual({
			'rock-paper-scissors-presentation': 'object-detection',
			'pothole-segmentation': 'instance-segmentation',
			'hand-keypoints': 'keypoint-detection',
			'weather-classification': 'classification',
			clip: 'clip-embedding',
			gaze: 'gaze-detection',
		});
	});

	it('Summary: counts, confidences and first/last sightings per class agree with the file', async () => {
		const [summary] = jsonOf(await getResults({ output: 'summary' }), 'Status');
		const frames = file.frame_offset.length;
		expect(summary).toMatchObject({ job_id: jobId, state: 'completed', frames_inferred: frames });
		expect(summary.video_seconds_covered).toBeCloseTo(file.time_offset[frames - 1] + (file.time_offset[1] - file.time_offset[0]), 3);
		const models = summary.models as Record<string, IDataObject>;

		for (const id of ['rock-paper-scissors-presentation', 'pothole-segmentation', 'hand-keypoints']) {
			const entries = file[id] as Array<Frame | null>;
			const expected: Record<string, { detections: number; frames: number; max: number; first: number; last: number; sum: number; peak: number; peakTime: number }> = {};
			entries.forEach((frame, i) => {
				const seen = new Set<string>();
				for (const p of frame?.predictions ?? []) {
					const e = (expected[p.class!] ??= { detections: 0, frames: 0, max: 0, first: Infinity, last: -Infinity, sum: 0, peak: 0, peakTime: 0 });
					const inFrame = (frame?.predictions ?? []).filter((q) => q.class === p.class).length;
					if (inFrame > e.peak) [e.peak, e.peakTime] = [inFrame, file.time_offset[i]];
					e.detections++;
					e.sum += p.confidence!;
					e.max = Math.max(e.max, p.confidence!);
					e.first = Math.min(e.first, file.time_offset[i]);
					e.last = Math.max(e.last, file.time_offset[i]);
					if (!seen.has(p.class!)) e.frames++;
					seen.add(p.class!);
				}
			});
			const model = models[id];
			expect(model.frames_inferred).toBe(entries.filter((f) => f !== null).length);
			expect(Object.keys(model.classes as object).sort()).toEqual(Object.keys(expected).sort());
			expect(Object.keys(expected).length).toBeGreaterThan(0);
			for (const [name, e] of Object.entries(expected)) {
				const got = (model.classes as Record<string, IDataObject>)[name];
				expect(got).toEqual({
					detections: e.detections,
					frames: e.frames,
					max_confidence: Math.round(e.max * 1e4) / 1e4,
					mean_confidence: Math.round((e.sum / e.detections) * 1e4) / 1e4,
					first_seen: e.first,
					last_seen: e.last,
					// Tracking's answers (their accuracy is scored in analytics-scenes.test.ts): consistent with the file.
					unique_objects: expect.any(Number),
					peak_count: e.peak,
					peak_time: e.peakTime,
					appearances: expect.any(Array),
					seconds_present: expect.any(Number),
				});
				const appearances = got.appearances as Array<{ start: number; end: number }>;
				expect(Number(got.unique_objects)).toBeGreaterThanOrEqual(e.peak);
				expect(Number(got.unique_objects)).toBeLessThanOrEqual(e.detections);
				expect(appearances[0].start).toBeCloseTo(e.first, 2);
				expect(appearances[appearances.length - 1].end).toBeLessThanOrEqual(e.last + 1e-3);
			}
		}
		expect(models['pothole-segmentation'].type).toBe('instance-segmentation');
		expect(models['hand-keypoints'].type).toBe('keypoint-detection');

		const weather = models['weather-classification'];
		const tops = (file['weather-classification'] as Array<Frame | null>).filter(Boolean).map((f) => String(f!.top));
		expect(weather.type).toBe('classification');
		const classes = weather.classes as Record<string, IDataObject>;
		expect(Object.values(classes).reduce((n, c) => n + Number(c.frames), 0)).toBe(tops.length);
		for (const c of Object.values(classes)) expect(c).not.toHaveProperty('detections');

		expect(models.clip).toEqual({
			type: 'clip-embedding',
			frames_inferred: (file.clip as unknown[]).filter(Boolean).length,
			frames_not_inferred: (file.clip as unknown[]).filter((e) => !e).length,
			embeddings: (file.clip as unknown[]).filter(Boolean).length,
			embedding_size: 512,
		});

		const gazeFaces = (file.gaze as Array<Frame | null>).reduce((n, f) => n + (f?.predictions?.length ?? 0), 0);
		expect(models.gaze).toMatchObject({ type: 'gaze-detection', faces_detected: gazeFaces, mean_yaw_degrees: expect.any(Number) });
	});

	it('Summary with Track Objects off: the same counts, without the tracking answers', async () => {
		const [tracked] = jsonOf(await getResults({ output: 'summary' }), 'Status');
		const [plain] = jsonOf(await getResults({ output: 'summary', resultOptions: { trackObjects: false } }), 'Status');
		const rps = (summary: IDataObject) => ((summary.models as Record<string, IDataObject>)['rock-paper-scissors-presentation'].classes as Record<string, IDataObject>);
		for (const [name, c] of Object.entries(rps(plain))) {
			expect(c).not.toHaveProperty('unique_objects');
			const { unique_objects, peak_count, peak_time, appearances, seconds_present, ...counts } = rps(tracked)[name];
			expect([unique_objects, peak_count, peak_time, appearances, seconds_present].every((v) => v !== undefined)).toBe(true);
			expect(c).toEqual(counts);
		}
	});

	it('Summary with Minimum Confidence and Classes keeps only what passes both filters', async () => {
		const [summary] = jsonOf(await getResults({ output: 'summary', resultOptions: { minConfidence: 0.7, classes: 'rock, paper' } }), 'Status');
		const rps = (summary.models as Record<string, IDataObject>)['rock-paper-scissors-presentation'];
		const kept = (file['rock-paper-scissors-presentation'] as Array<Frame | null>)
			.flatMap((f) => f?.predictions ?? [])
			.filter((p) => p.confidence! >= 0.7 && ['Rock', 'Paper'].includes(p.class!));
		const classes = rps.classes as Record<string, IDataObject>;
		expect(Object.keys(classes).every((c) => ['Rock', 'Paper'].includes(c))).toBe(true);
		expect(Object.values(classes).reduce((n, c) => n + Number(c.detections), 0)).toBe(kept.length);
		expect(summary.filters).toEqual({ min_confidence: 0.7, classes: ['rock', 'paper'] });
	});

	it('One Item per Frame: one item per inferred frame, or only those with predictions', async () => {
		const all = jsonOf(await getResults({ output: 'perFrame', resultOptions: { onlyFramesWithPredictions: false } }), 'Status');
		expect(all).toHaveLength(file.frame_offset.length);
		expect(all[1]).toMatchObject({ job_id: jobId, frame_index: 1, frame_offset: file.frame_offset[1], time: file.time_offset[1] });
		const frame1 = all[1].models as Record<string, IDataObject | null>;
		expect(Object.keys(frame1).sort()).toEqual(ALL_KINDS.map((m) => m.model_id).sort());
		if (file.clip[1]) expect((frame1.clip as IDataObject).embedding).toEqual(file.clip[1]);

		const filtered = jsonOf(
			await getResults({ output: 'perFrame', resultOptions: { onlyFramesWithPredictions: true, classes: 'Scissors', minConfidence: 0.5 } }),
			'Status',
		);
		const expected = (file['rock-paper-scissors-presentation'] as Array<Frame | null>)
			.map((f, i) => ({ i, n: (f?.predictions ?? []).filter((p) => p.class === 'Scissors' && p.confidence! >= 0.5).length }))
			.filter(({ n }) => n > 0)
			.map(({ i }) => i);
		// Other models' classes are not Scissors, so only frames where the detector saw scissors remain.
		expect(filtered.map((f) => f.frame_index)).toEqual(expected);
		expect(expected.length).toBeGreaterThan(0);
	});

	it.each([
		['From Second and To Second', { fromSeconds: 1, toSeconds: 3 }, (t: number, k: number) => t >= 1 && t <= 3 && k >= 0],
		['Every Nth Frame', { everyNthFrame: 4 }, (_t: number, k: number) => k % 4 === 0],
		['a window and a step', { fromSeconds: 0.5, everyNthFrame: 3 }, (t: number, k: number) => t >= 0.5 && k % 3 === 0],
	])('One Item per Frame with %s: exactly the frames picked, every one of them', async (_, options, picked) => {
		const items = jsonOf(await getResults({ output: 'perFrame', resultOptions: { onlyFramesWithPredictions: false, ...options } }), 'Status');
		// k counts frames from the window's first one: the step is taken within the window.
		const first = file.time_offset.findIndex((t) => t >= ((options as IDataObject).fromSeconds as number ?? 0));
		const expected = file.time_offset.map((t, i) => (picked(t, i - first) ? i : -1)).filter((i) => i >= 0);
		expect(expected.length).toBeGreaterThan(1);
		expect(expected.length).toBeLessThan(file.time_offset.length);
		expect(items.map((item) => item.frame_index)).toEqual(expected);
		expect(items.map((item) => item.time)).toEqual(expected.map((i) => file.time_offset[i]));
	});

	it('One Item per Frame with a window from a file that lists its times after the frames: read twice, right frames', async () => {
		const { frame_offset, time_offset, ...models } = file;
		// Keys in another order than the emulator writes: every model, then the offsets.
		const body = JSON.stringify({ ...models, frame_offset, time_offset });
		emulator.addFault({ match: { endpoint: 'results' }, fault: { type: 'respond', body, contentType: 'application/json' } });
		const before = emulator.requests.length;
		let items: IDataObject[];
		try {
			items = jsonOf(await getResults({ output: 'perFrame', resultOptions: { onlyFramesWithPredictions: false, fromSeconds: 2 } }), 'Status');
		} finally {
			emulator.clearFaults();
		}
		// Once until the first model's list showed the times come later, once into n8n's binary store.
		expect(emulator.requests.slice(before).filter((r) => r.host === 'storage').length).toBe(2);
		const expected = time_offset.map((t, i) => (t >= 2 ? i : -1)).filter((i) => i >= 0);
		expect(expected.length).toBeGreaterThan(0);
		expect(items.map((item) => [item.frame_index, item.frame_offset, item.time])).toEqual(expected.map((i) => [i, frame_offset[i], time_offset[i]]));
		expect((items[0].models as IDataObject)['rock-paper-scissors-presentation']).toEqual(
			file['rock-paper-scissors-presentation'][expected[0]] === null ? null : expect.objectContaining({ predictions: expect.any(Array) }),
		);
	});

	it('Summary with Attach Timeline: a 1200 px wide PNG in the binary field "timeline"', async () => {
		const result = await getResults({ output: 'summary', resultOptions: { attachTimeline: true, countingLine: '0.5,0,0.5,1' } });
		const [item] = result.output('Status')[0];
		expect(item.json.models).toBeDefined();
		const picture = item.binary!.timeline;
		expect(picture).toMatchObject({ mimeType: 'image/png', fileName: `roboflow-video-timeline-${jobId}.png` });
		const png = await Container.get(BinaryDataService).getAsBuffer(picture);
		expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
		// IHDR: width and height, big-endian, right after the chunk's length and type.
		expect(png.readUInt32BE(16)).toBe(1200);
		expect(png.readUInt32BE(20)).toBeGreaterThan(100);
		if (process.env.TIMELINE_OUT) require('fs').writeFileSync(process.env.TIMELINE_OUT, png);
		const plain = await getResults({ output: 'summary' });
		expect(plain.output('Status')[0][0].binary).toBeUndefined();
	});

	it('Raw: the results file exactly as it came', async () => {
		const [raw] = jsonOf(await getResults({ output: 'raw' }), 'Status');
		expect(raw).toEqual({ job_id: jobId, state: 'completed', results: file });
	});

	it('Binary File: the results JSON in the named binary field, ready to store or send', async () => {
		const result = await getResults({ output: 'binary', outputBinaryField: 'results' });
		const [item] = result.output('Status')[0];
		expect(item.json).toMatchObject({ job_id: jobId, file_name: `roboflow-video-results-${jobId}.json`, size_bytes: Buffer.byteLength(JSON.stringify(file)) });
		const binary = item.binary!.results;
		expect(binary).toMatchObject({ mimeType: 'application/json', fileName: `roboflow-video-results-${jobId}.json` });
		const bytes = await Container.get(BinaryDataService).getAsBuffer(binary);
		expect(JSON.parse(bytes.toString('utf8'))).toEqual(file);
	});

	// Summary's flat class rows and frame counts.
	const summaryOf = async (resultOptions: IDataObject = {}) =>
		jsonOf(
			await runWorkflow(chain([{}], [{ name: 'Status', parameters: { operation: 'getStatus', jobId, downloadResults: true, resultOptions } }]), {
				credentials: credentialsFor(emulator),
			}),
			'Status',
		)[0];

	it('classes: one row per model and class, sorted, agreeing with models; every model explains its frames', async () => {
		const summary = await summaryOf({ countingLine: '0,0.5,1,0.5' });
		const models = summary.models as Record<string, IDataObject & { classes?: Record<string, IDataObject> }>;
		const rows = summary.classes as IDataObject[];
		const expected = Object.entries(models)
			.flatMap(([model, m]) => Object.keys(m.classes ?? {}).map((name) => [model, name]))
			.sort(([m1, c1], [m2, c2]) => (m1 === m2 ? (c1.toLowerCase() < c2.toLowerCase() ? -1 : 1) : m1 < m2 ? -1 : 1));
		expect(rows.map((r) => [r.model, r.class])).toEqual(expected);
		expect(rows.length).toBeGreaterThan(5);
		for (const row of rows) {
			const entry = models[String(row.model)].classes![String(row.class)];
			expect(row).toMatchObject({ frames: entry.frames, first_seen: entry.first_seen, last_seen: entry.last_seen, max_confidence: entry.max_confidence });
			if ('detections' in entry) expect(row.detections).toBe(entry.detections);
			if (entry.appearances) expect(row.appearance_count).toBe((entry.appearances as unknown[]).length);
			if (entry.line_crossings) expect([row.line_crossings_in, row.line_crossings_out]).toEqual([(entry.line_crossings as IDataObject).in, (entry.line_crossings as IDataObject).out]);
			expect(Object.values(row).every((v) => v === null || typeof v !== 'object')).toBe(true);
		}
		const frames = file.frame_offset.length;
		expect(summary.frames_inferred).toBe(frames);
		for (const [id, m] of Object.entries(models)) {
			const missing = (file[id] as unknown[]).filter((e) => e === null).length;
			expect([id, m.frames_inferred, m.frames_not_inferred]).toEqual([id, frames - missing, missing]);
		}
		// The emulator leaves some frames out for some models, as Roboflow does: the two counts differ, and add up.
		expect(Object.values(models).some((m) => Number(m.frames_not_inferred) > 0)).toBe(true);
	});

	it('a class the Classes filter names but nothing saw has a zero row per model, in the user\'s spelling', async () => {
		const summary = await summaryOf({ classes: 'rock, Lizard' });
		const rows = summary.classes as IDataObject[];
		const lizards = rows.filter((r) => r.class === 'Lizard');
		expect(lizards.map((r) => r.model)).toEqual(ALL_KINDS.map((m) => m.model_id).filter((id) => id !== 'clip').sort());
		expect(lizards.find((r) => r.model === 'rock-paper-scissors-presentation')).toMatchObject({ detections: 0, frames: 0, unique_objects: 0, first_seen: null, last_seen: null });
		// "rock" matches the file's "Rock" without letter case: one row, in the file's spelling, with its counts.
		const rock = rows.filter((r) => r.model === 'rock-paper-scissors-presentation' && String(r.class).toLowerCase() === 'rock');
		expect(rock).toEqual([expect.objectContaining({ class: 'Rock', detections: expect.any(Number) })]);
		expect(Number(rock[0].detections)).toBeGreaterThan(0);
		const rps = (summary.models as Record<string, { classes: IDataObject }>)['rock-paper-scissors-presentation'];
		expect(Object.keys(rps.classes)).toEqual(['Rock']);
	});
});
