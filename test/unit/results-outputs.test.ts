import type { IDataObject } from 'n8n-workflow';

import { outputBuilder, readResultsText, shapeResultsText, type ResultsOutputSettings } from '../../nodes/RoboflowVideo/results/output';
import { OutputTooLarge } from '../../nodes/RoboflowVideo/results/outputSize';
import { PerFrameBuilder, TimesNeededFirst, type FrameSelection } from '../../nodes/RoboflowVideo/results/perFrame';
import { summarise } from '../../nodes/RoboflowVideo/results/summary';

const box = (cls: string, confidence: number) => ({ x: 10, y: 10, width: 4, height: 4, class: cls, confidence, class_id: 0 });

/** 11 frames at 2 fps (0 to 5 s): a person in frames 2..6, a car in 4 and 9, nothing elsewhere, frame 8 not inferred. */
const FRAMES = Array.from({ length: 11 }, (_, i) =>
	i === 8
		? null
		: {
				image: { width: 64, height: 48 },
				predictions: [...(i >= 2 && i <= 6 ? [box('person', 0.5 + i / 20)] : []), ...(i === 4 || i === 9 ? [box('car', 0.3)] : [])],
			},
);
const FILE = { frame_offset: FRAMES.map((_, i) => i * 15), time_offset: FRAMES.map((_, i) => i / 2), det: FRAMES };

function settings(output: ResultsOutputSettings['output'], selection: Partial<FrameSelection> = {}, extra: Partial<ResultsOutputSettings> = {}): ResultsOutputSettings {
	return { output, binaryPropertyName: 'data', filters: {}, onlyFramesWithPredictions: true, selection: { everyNthFrame: 1, ...selection }, ...extra };
}

describe('Summary read as a stream equals the Summary of the parsed file', () => {
	it.each([
		['no filters', {}],
		['minimum confidence', { minConfidence: 0.6 }],
		['classes', { classes: ['CAR'] }],
	])('%s', (_, filters) => {
		const streamed = shapeResultsText('j', JSON.stringify(FILE), settings('summary', {}, { filters }));
		expect(streamed).toEqual([summarise('j', FILE, filters)]);
	});

	it('looks the times up at the end when the file lists them after the frames', () => {
		const modelsFirst = JSON.stringify({ det: FILE.det, frame_offset: FILE.frame_offset, time_offset: FILE.time_offset });
		const [summary] = shapeResultsText('j', modelsFirst, settings('summary'));
		expect((summary.models as IDataObject).det).toMatchObject({
			frames_inferred: 10,
			frames_with_predictions: 6,
			classes: { person: { frames: 5, first_seen: 1, last_seen: 3 }, car: { frames: 2, first_seen: 2, last_seen: 4.5 } },
		});
		expect(summary).toMatchObject({ frames_inferred: 11, video_seconds_covered: 5.5 });
	});
});

describe('One Item per Frame picks frames by time window and every Nth frame', () => {
	it.each<[string, Partial<FrameSelection>, boolean, number[]]>([
		['all frames with predictions', {}, true, [2, 3, 4, 5, 6, 9]],
		['every frame, with or without predictions', {}, false, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
		['from 2 s', { fromSeconds: 2 }, true, [4, 5, 6, 9]],
		['to 2 s (inclusive)', { toSeconds: 2 }, true, [2, 3, 4]],
		['from 1.2 s to 3 s', { fromSeconds: 1.2, toSeconds: 3 }, true, [3, 4, 5, 6]],
		['every 2nd frame of the window, counted from its start', { fromSeconds: 1.5, everyNthFrame: 2 }, true, [3, 5, 9]],
		['every 3rd frame, empty frames too', { everyNthFrame: 3 }, false, [0, 3, 6, 9]],
		['a window after the video', { fromSeconds: 60 }, true, []],
	])('%s', (_, selection, only, indexes) => {
		const items = shapeResultsText('j', JSON.stringify(FILE), settings('perFrame', selection, { onlyFramesWithPredictions: only }));
		expect(items.map((item) => item.frame_index)).toEqual(indexes);
		for (const item of items) expect(item.time).toBe(FILE.time_offset[item.frame_index as number]);
	});

	it('shapes each frame as before: predictions and image, null where not inferred', () => {
		const items = shapeResultsText('j', JSON.stringify(FILE), settings('perFrame', { fromSeconds: 4, toSeconds: 4.5 }, { onlyFramesWithPredictions: false }));
		expect(items).toEqual([
			{ job_id: 'j', frame_index: 8, frame_offset: 120, time: 4, models: { det: null } },
			{ job_id: 'j', frame_index: 9, frame_offset: 135, time: 4.5, models: { det: { predictions: [box('car', 0.3)], image: { width: 64, height: 48 } } } },
		]);
	});

	it('joins two models frame by frame; a model with nothing kept in a frame shows an empty list', () => {
		const two = { ...FILE, other: FRAMES.map((f, i) => (i === 0 ? { image: { width: 64, height: 48 }, predictions: [box('dog', 0.9)] } : f && { ...f, predictions: [] })) };
		const items = shapeResultsText('j', JSON.stringify(two), settings('perFrame', { toSeconds: 1 }));
		expect(items.map((item) => [item.frame_index, item.models])).toEqual([
			[0, { det: { predictions: [], image: { width: 64, height: 48 } }, other: { predictions: [box('dog', 0.9)], image: { width: 64, height: 48 } } }],
			[2, { det: { predictions: [box('person', 0.6)], image: { width: 64, height: 48 } }, other: { predictions: [], image: { width: 64, height: 48 } } }],
		]);
	});

	it('asks for the times first when a window is set and they come after the frames', () => {
		const modelsFirst = JSON.stringify({ det: FILE.det, time_offset: FILE.time_offset });
		expect(() => shapeResultsText('j', modelsFirst, settings('perFrame', { fromSeconds: 2 }))).toThrow(TimesNeededFirst);
		const builder = new PerFrameBuilder(settings('perFrame', { fromSeconds: 2 }));
		builder.setTimes(FILE.time_offset);
		const { frames } = readResultsText(modelsFirst, builder);
		expect(builder.finish('j', frames).map((item) => item.frame_index)).toEqual([4, 5, 6, 9]);
	});
});

describe('outputs too large for n8n to save are refused while reading, with what fits instead', () => {
	/** One hour at 30 fps of one box per frame. */
	const HOUR = {
		time_offset: Array.from({ length: 108_000 }, (_, i) => Math.round((i / 30) * 1e4) / 1e4),
		m: Array.from({ length: 108_000 }, () => ({ predictions: [box('person', 0.9)] })),
	};
	const text = JSON.stringify(HOUR);

	it('One Item per Frame: estimates the whole output and suggests a window and a step that fit', () => {
		const builder = outputBuilder(settings('perFrame'), 1024 * 1024);
		let refusal: OutputTooLarge | undefined;
		try {
			readResultsText(text, builder);
		} catch (error) {
			refusal = error as OutputTooLarge;
		}
		expect(refusal).toBeInstanceOf(OutputTooLarge);
		// ~90 bytes of predictions + 160 of item per frame, 108k frames: about 26 MiB.
		expect(refusal!.estimatedBytes / 1048576).toBeGreaterThan(20);
		expect(refusal!.estimatedBytes / 1048576).toBeLessThan(32);
		expect(refusal!.message).toMatch(/^One Item per Frame would put about \d+ MiB into n8n's execution data, more than the 1\.0 MiB it can save safely$/);
		const seconds = Number(/at most about (\d+) seconds/.exec(refusal!.description)?.[1]);
		const nth = Number(/Every Nth Frame of (\d+) or more/.exec(refusal!.description)?.[1]);
		expect(refusal!.description).toMatch(/Output: Summary.*Output: Binary File/);
		// The suggestions must fit when taken.
		for (const selection of [{ toSeconds: seconds }, { everyNthFrame: nth }]) {
			const fitting = outputBuilder(settings('perFrame', selection), 1024 * 1024);
			expect(() => readResultsText(text, fitting)).not.toThrow();
		}
	});

	it('Raw: refused past the limit', () => {
		expect(() => readResultsText(text, outputBuilder(settings('raw'), 1024 * 1024))).toThrow(/^Raw would put about 1\.0 MiB into n8n's execution data/);
	});

	it('Summary: any size', () => {
		expect(() => readResultsText(text, outputBuilder(settings('summary'), 1024))).not.toThrow();
	});
});

describe('Summary: a flat list of per-class rows beside models, and the two frame counts explained', () => {
	const classify = (top: string | null) => (top === null ? null : { image: { width: 64, height: 48 }, predictions: [], top, confidence: 0.9 });
	/** Two detectors (one that never finds anything), a classifier and CLIP; frame 8 missing for all, frame 0 for the classifier. */
	const MIXED = {
		...FILE,
		quiet: FRAMES.map((f) => f && { ...f, predictions: [] }),
		weather: FRAMES.map((f, i) => (f && i > 0 ? classify(i < 5 ? 'sunny' : 'Rain') : null)),
		clip: FRAMES.map((f) => f && [0.1, 0.2]),
	};
	const text = JSON.stringify(MIXED);
	const tracked = (extra: Partial<ResultsOutputSettings> = {}) => settings('summary', {}, { analytics: { maxHiddenSeconds: 5, mergeGapsShorterThan: 1, minimumDuration: 0 }, ...extra });
	const rowsOf = (summary: IDataObject) => summary.classes as IDataObject[];

	it('one row per model and class, sorted by model then class (CLIP has none): the models entry, flat', () => {
		const [summary] = shapeResultsText('j', text, tracked());
		const rows = rowsOf(summary);
		expect(rows.map((r) => `${r.model}/${r.class}`)).toEqual(['det/car', 'det/person', 'weather/Rain', 'weather/sunny']);
		const models = summary.models as Record<string, { classes: Record<string, IDataObject> }>;
		for (const row of rows) {
			const { model, class: name, appearance_count, ...rest } = row;
			const { appearances, ...entry } = models[model as string].classes[name as string];
			expect(rest).toEqual(entry);
			if (appearances) expect(appearance_count).toBe((appearances as unknown[]).length);
			else expect(row).not.toHaveProperty('appearance_count');
		}
		expect(rows[1]).toEqual({
			model: 'det',
			class: 'person',
			detections: 5,
			frames: 5,
			unique_objects: 1,
			peak_count: 1,
			peak_time: 1,
			appearance_count: 1,
			seconds_present: 2,
			first_seen: 1,
			last_seen: 3,
			max_confidence: 0.8,
			mean_confidence: 0.7,
		});
		// Keys in this order: the counting answers before the times and confidences, for the Table view.
		expect(Object.keys(rows[1])).toEqual(['model', 'class', 'detections', 'frames', 'unique_objects', 'peak_count', 'peak_time', 'appearance_count', 'seconds_present', 'first_seen', 'last_seen', 'max_confidence', 'mean_confidence']);
		// A classifier names one class per frame: no detections, no tracking.
		expect(rows[2]).toEqual({ model: 'weather', class: 'Rain', frames: 5, first_seen: 2.5, last_seen: 5, max_confidence: 0.9, mean_confidence: 0.9 });
	});

	it('a counting line and a zone come as flat columns', () => {
		const line = { relative: true, points: [{ x: 0, y: 0.5 }, { x: 1, y: 0.5 }] };
		const zone = { relative: true, points: [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }] };
		const [summary] = shapeResultsText('j', text, tracked({ analytics: { maxHiddenSeconds: 5, mergeGapsShorterThan: 1, minimumDuration: 0, countingLine: line, zone } }));
		const person = rowsOf(summary).find((r) => r.class === 'person')!;
		const nested = (summary.models as Record<string, { classes: Record<string, IDataObject> }>).det.classes.person;
		const crossings = nested.line_crossings as IDataObject;
		const inZone = nested.zone as IDataObject;
		expect(person).toMatchObject({
			line_crossings_in: crossings.in,
			line_crossings_out: crossings.out,
			zone_objects_entered: inZone.objects_entered,
			zone_max_inside: inZone.max_inside,
			zone_seconds_occupied: inZone.seconds_occupied,
		});
		expect(person).not.toHaveProperty('line_crossings');
		expect(person).not.toHaveProperty('zone');
		expect(inZone.objects_entered).toBe(1);
	});

	it('every class the Classes filter names has a row in every model, zeros when absent, in the user\'s spelling', () => {
		const filters = { classes: ['PERSON', 'forklift', 'Forklift', 'rain'] };
		const [summary] = shapeResultsText('j', text, tracked({ filters }));
		const rows = rowsOf(summary);
		expect(rows.map((r) => `${r.model}/${r.class}`)).toEqual([
			'det/forklift',
			'det/person',
			'det/rain',
			'quiet/forklift',
			'quiet/PERSON',
			'quiet/rain',
			'weather/forklift',
			'weather/PERSON',
			'weather/Rain',
		]);
		const absent = { frames: 0, first_seen: null, last_seen: null, max_confidence: 0, mean_confidence: 0 };
		const untracked = { unique_objects: 0, peak_count: 0, peak_time: null, appearance_count: 0, seconds_present: 0 };
		expect(rows[0]).toEqual({ model: 'det', class: 'forklift', detections: 0, ...untracked, ...absent });
		// A detector that found nothing never showed its kind; its rows still carry the tracking columns.
		expect(rows[4]).toEqual({ model: 'quiet', class: 'PERSON', detections: 0, ...untracked, ...absent });
		expect(rows[7]).toEqual({ model: 'weather', class: 'PERSON', ...absent });
		// Present classes keep the file's spelling and their counts.
		expect(rows[1]).toMatchObject({ class: 'person', detections: 5 });
		expect(rows[8]).toMatchObject({ class: 'Rain', frames: 5 });
		// models stays as it was: only what was seen.
		expect(Object.keys((summary.models as Record<string, IDataObject>).det.classes as object)).toEqual(['person']);
		// In an expression: never undefined for a class the filter names.
		const count = (model: string, name: string) => rows.find((r) => r.model === model && String(r.class).toLowerCase() === name)?.detections;
		expect([count('det', 'forklift'), count('det', 'person')]).toEqual([0, 5]);
	});

	it('with Track Objects off, no tracking columns, also in the zero rows; with a line or zone, zero columns for them', () => {
		const [plain] = shapeResultsText('j', text, settings('summary', {}, { filters: { classes: ['person', 'dog'] } }));
		expect(rowsOf(plain).map((r) => `${r.model}/${r.class}`)).toEqual(['det/dog', 'det/person', 'quiet/dog', 'quiet/person', 'weather/dog', 'weather/person']);
		expect(rowsOf(plain)[0]).toEqual({ model: 'det', class: 'dog', detections: 0, frames: 0, first_seen: null, last_seen: null, max_confidence: 0, mean_confidence: 0 });
		const line = { relative: false, points: [{ x: 0, y: 5 }, { x: 64, y: 5 }] };
		const zone = { relative: false, points: [{ x: 0, y: 0 }, { x: 9, y: 0 }, { x: 9, y: 9 }] };
		const [counted] = shapeResultsText('j', text, tracked({ filters: { classes: ['dog'] }, analytics: { maxHiddenSeconds: 5, mergeGapsShorterThan: 1, minimumDuration: 0, countingLine: line, zone } }));
		expect(rowsOf(counted)[0]).toMatchObject({ model: 'det', class: 'dog', line_crossings_in: 0, line_crossings_out: 0, zone_objects_entered: 0, zone_max_inside: 0, zone_seconds_occupied: 0 });
	});

	it('no classes at all: an empty list', () => {
		const [summary] = shapeResultsText('j', JSON.stringify({ time_offset: [0, 0.5], clip: [[1], null] }), settings('summary'));
		expect(summary.classes).toEqual([]);
	});

	it('frames_inferred at the top is the frames Roboflow took; each model adds the ones it has no result for', () => {
		const [summary] = shapeResultsText('j', text, settings('summary'));
		expect(summary.frames_inferred).toBe(11);
		const models = summary.models as Record<string, IDataObject>;
		expect(Object.fromEntries(Object.entries(models).map(([id, m]) => [id, [m.frames_inferred, m.frames_not_inferred]]))).toEqual({
			det: [10, 1],
			quiet: [10, 1],
			weather: [9, 2],
			clip: [10, 1],
		});
		for (const m of Object.values(models)) expect(Number(m.frames_inferred) + Number(m.frames_not_inferred)).toBe(summary.frames_inferred);
		// The field sits right after the count it completes.
		expect(Object.keys(models.det).slice(0, 3)).toEqual(['type', 'frames_inferred', 'frames_not_inferred']);
	});
});
