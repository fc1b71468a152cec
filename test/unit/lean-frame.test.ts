import { DEFAULT_ANALYTICS, type AnalyticsSettings } from '../../nodes/RoboflowVideo/results/analytics/analytics';
import type { ResultFilters } from '../../nodes/RoboflowVideo/results/frames';
import { INCOMPLETE, LeanFrameReader, NOT_LEAN, type LeanFrame } from '../../nodes/RoboflowVideo/results/leanFrame';
import { outputBuilder, SummaryOutput, type ResultsOutputSettings } from '../../nodes/RoboflowVideo/results/output';
import { ResultsScanner, type ResultsVisitor } from '../../nodes/RoboflowVideo/results/scanner';

/**
 * The lean reader is a second way to read a frame entry, for speed. It must never tell a
 * different story from JSON.parse: the same numbers to the last bit, the same entries accepted,
 * and everything it does not take left to JSON.parse (which then names any error).
 */

function readNumber(text: string): number | typeof INCOMPLETE | typeof NOT_LEAN | { value: number; end: number } {
	const reader = new LeanFrameReader();
	const bytes = Buffer.from(text, 'latin1');
	const end = reader.readListNumber(bytes, 0, bytes.length);
	return end < 0 ? end : { value: reader.value, end };
}

describe('numbers: exactly the double JSON.parse gives', () => {
	const EDGES = [
		'0', '-0', '1', '-1', '7', '12.5', '0.004', '-0.0', '1e5', '1E-5', '-1.25e+2', '2.50', '0.1', '0.2', '0.3',
		'0.30000000000000004', '123456789012345', '999999999999999', '1234567890123456', '12345678901234567890',
		'9007199254740993', '1e22', '1e23', '1e-22', '1e-23', '123456789012345e-22', '1.7976931348623157e308',
		'1.7976931348623159e308', '5e-324', '2e-324', '2.2250738585072014e-308', '1e400', '-1e400', '0e0', '0.000000000000000000001',
		'4.35', '1268.4', '0.9999999999999999', '100000000000000000000000', '1e0000000000000000000000001',
	];
	it.each(EDGES)('%s', (text) => {
		const read = readNumber(`${text},`);
		expect(read).toEqual({ value: JSON.parse(text), end: text.length });
		expect(Object.is((read as { value: number }).value, JSON.parse(text))).toBe(true);
	});

	it('20,000 numbers as generators and Roboflow write them (fixed, shortest, exponent, precision forms)', () => {
		let seed = 7;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const wrong: string[] = [];
		for (let i = 0; i < 20_000; i++) {
			const x = (random() - 0.3) * 10 ** Math.floor(random() * 12 - 6);
			const forms = [String(x), x.toFixed(i % 5), x.toExponential(i % 17), x.toPrecision(1 + (i % 21)), String(Math.round(x * 1000))];
			for (const text of forms) {
				const read = readNumber(`${text}]`);
				if (typeof read !== 'object' || !Object.is(read.value, JSON.parse(text)) || read.end !== text.length) wrong.push(text);
			}
		}
		expect(wrong).toEqual([]);
	});

	it.each([['01,'], ['-,'], ['1.,'], ['.5,'], ['1e,'], ['+1,'], ['1.e5,'], ['-a,'], ['1.5.2,'], ['NaN,'], ['Infinity,'], ['0x10,'], ['1_000,'], ['"1",']])(
		'not JSON, so not lean: %j',
		(text) => expect(readNumber(text)).toBe(NOT_LEAN),
	);

	it.each([['12'], ['-'], ['1.'], ['1.5'], ['1e'], ['1e+'], ['0']])('cut off, so incomplete: %j', (text) => expect(readNumber(text)).toBe(INCOMPLETE));
});

/** What the lean reader must make of an entry, worked out from JSON.parse's reading. */
function expectedLean(entry: Record<string, unknown>): LeanFrame {
	const predictions = ((entry.predictions ?? []) as Array<Record<string, unknown>>).map((p) => ({
		x: p.x as number,
		y: p.y as number,
		width: p.width as number,
		height: p.height as number,
		confidence: p.confidence as number,
		class: p.class as string,
	}));
	const first = (entry.predictions as Array<Record<string, unknown>> | undefined)?.[0];
	const frame: LeanFrame = { predictions };
	if (first) frame.kind = 'keypoints' in first ? 'keypoint-detection' : 'points' in first ? 'instance-segmentation' : 'object-detection';
	if ('image' in entry) {
		const image = entry.image as Record<string, unknown>;
		frame.image = {};
		if ('width' in image) frame.image.width = typeof image.width === 'number' ? image.width : undefined;
		if ('height' in image) frame.image.height = typeof image.height === 'number' ? image.height : undefined;
	}
	return frame;
}

const BOX = { x: 1056.4, y: 251.7, width: 292.8, height: 187, confidence: 0.885, class: 'Scissors', class_id: 2, detection_id: '3caf478a-da3c-412d-b24f-29342d470640' };

const LEAN_ENTRIES: Array<[string, string]> = [
	['a detection frame as Roboflow writes it', JSON.stringify({ time: 0.0916, image: { width: 1280, height: 720 }, predictions: [BOX, { ...BOX, x: -3, class: 'Rock' }] })],
	['no predictions', '{"time":1,"image":{"width":640,"height":480},"predictions":[]}'],
	['an empty object', '{}'],
	['no predictions key', '{"time":2}'],
	['segmentation: points', JSON.stringify({ predictions: [{ ...BOX, points: [{ x: 1, y: 2 }, { x: 3.5, y: -4e-3 }] }] })],
	['keypoints', JSON.stringify({ predictions: [{ ...BOX, keypoints: [{ x: 1, y: 2, confidence: 0.5, class: 'nose', class_id: 0 }] }] })],
	['keypoints after a plain first prediction: the first decides, as kindOfEntry', JSON.stringify({ predictions: [BOX, { ...BOX, keypoints: [] }] })],
	['pretty-printed, keys in another order', JSON.stringify({ predictions: [{ class: 'a', confidence: 1, height: 2, width: 3, y: 4, x: 5 }], image: { height: 9, width: 8 } }, null, '\t')],
	['whitespace everywhere', ' {\n "predictions" :\r\n [ { "x" : 1 , "y" : 2 , "width" : 3 , "height" : 4 , "confidence" : 0.5 , "class" : "c" } ] \t} '.trim()],
	['non-ASCII and escaped class names', JSON.stringify({ predictions: [{ ...BOX, class: 'Straße 🚗' }, { ...BOX, class: 'a"b\\c' }, { ...BOX, class: 'é\u2028' }] })],
	['the same escaped class twice', JSON.stringify({ predictions: [{ ...BOX, class: 'tab\there' }, { ...BOX, class: 'tab\there' }] })],
	['other fields of every JSON type', JSON.stringify({ a: [true, false, null, { b: '\u0001\\/"' }], predictions: [{ ...BOX, tracker: { id: null, ok: true, list: [[], {}] } }], z: -0.5e-3 })],
	['an image size that is not a number', JSON.stringify({ image: { width: '1280', height: null }, predictions: [BOX] })],
	['an image without a size', JSON.stringify({ image: { name: 'x' }, predictions: [] })],
	['a repeated unknown key: JSON.parse keeps the last', '{"time":1,"time":2,"predictions":[]}'],
	['numbers in every form', JSON.stringify({ predictions: [{ x: 1e-7, y: -0, width: 1.7976931348623157e308, height: 5e-324, confidence: 0.1 + 0.2, class: 'n' }] })],
];

const NOT_LEAN_ENTRIES: Array<[string, string]> = [
	['a classification frame', JSON.stringify({ top: 'cat', confidence: 0.9, predictions: [{ class: 'cat', confidence: 0.9 }] })],
	['a gaze frame', JSON.stringify({ predictions: [{ face: { x: 1, y: 2, width: 3, height: 4, confidence: 0.9, class: 'face' }, yaw: 0.1, pitch: 0.2 }] })],
	['a CLIP embedding', '[0.1,-0.2]'],
	['null', 'null'],
	['a prediction without a confidence', JSON.stringify({ predictions: [{ x: 1, y: 2, width: 3, height: 4, class: 'c' }] })],
	['a prediction without a class', JSON.stringify({ predictions: [{ x: 1, y: 2, width: 3, height: 4, confidence: 0.5 }] })],
	['a class that is a number', JSON.stringify({ predictions: [{ ...BOX, class: 3 }] })],
	['a place that is a string', JSON.stringify({ predictions: [{ ...BOX, x: '1' }] })],
	['a size that is null', JSON.stringify({ predictions: [{ ...BOX, width: null }] })],
	['an empty prediction', '{"predictions":[{}]}'],
	['a prediction that is not an object', '{"predictions":[7]}'],
	['predictions that are not a list', '{"predictions":{}}'],
	['predictions twice', '{"predictions":[],"predictions":[]}'],
	['a box field twice', '{"predictions":[{"x":1,"x":2,"y":2,"width":3,"height":4,"confidence":0.5,"class":"c"}]}'],
	['an image that is not an object', '{"image":"big","predictions":[]}'],
	['an escaped key', '{"pre\\u0064ictions":[]}'],
	['malformed: a trailing comma', '{"predictions":[],}'],
	['malformed: a missing colon', '{"predictions" []}'],
	['malformed: an unquoted key', '{predictions:[]}'],
	['malformed: a bad literal', '{"a":tru,"predictions":[]}'],
	['malformed: a control character in a string', '{"a":"x\u0001y","predictions":[]}'],
	['malformed: a bad escape', '{"a":"\\x41","predictions":[]}'],
	['malformed: a short unicode escape', '{"a":"\\u00g1","predictions":[]}'],
	['malformed: a leading zero', '{"a":01,"predictions":[]}'],
	['malformed: a comma for a colon', '{"a",1}'],
	['nesting deeper than the reader follows', `{"a":${'['.repeat(100)}${']'.repeat(100)},"predictions":[]}`],
];

describe('frames: what the lean reader takes, it reads as JSON.parse does', () => {
	it.each(LEAN_ENTRIES)('%s', (_, text) => {
		const reader = new LeanFrameReader();
		const bytes = Buffer.from(`${text},`, 'utf8');
		const end = reader.read(bytes, 0, bytes.length);
		expect(end).toBe(bytes.length - 1);
		expect(reader.frame).toEqual(expectedLean(JSON.parse(text) as Record<string, unknown>));
	});

	it.each(LEAN_ENTRIES)('cut anywhere, it waits for the rest: %s', (_, text) => {
		const reader = new LeanFrameReader();
		const bytes = Buffer.from(text, 'utf8');
		const outcomes = new Set<number>();
		for (let cut = 0; cut < bytes.length; cut++) outcomes.add(reader.read(bytes, 0, cut));
		expect([...outcomes]).toEqual([INCOMPLETE]);
	});

	it.each(NOT_LEAN_ENTRIES)('leaves it to JSON.parse: %s', (_, text) => {
		const reader = new LeanFrameReader();
		const bytes = Buffer.from(`${text},`, 'utf8');
		expect(reader.read(bytes, 0, bytes.length)).toBe(NOT_LEAN);
		// Cut short, it is either waiting for more or already sure it is not its kind.
		for (let cut = 0; cut < bytes.length - 1; cut++) expect([INCOMPLETE, NOT_LEAN]).toContain(reader.read(bytes, 0, cut));
	});
});

/** The same visitor with the fast path hidden: every entry goes through JSON.parse. */
function withoutLean(visitor: SummaryOutput): ResultsVisitor {
	return {
		offsets: (key, values) => visitor.offsets(key, values),
		modelStart: (modelId) => visitor.modelStart(modelId),
		frame: (modelId, index, entry) => visitor.frame(modelId, index, entry),
	};
}

function summaryOf(text: string, size: number, lean: boolean, settings: { filters: ResultFilters; analytics?: AnalyticsSettings } = { filters: {}, analytics: DEFAULT_ANALYTICS }): unknown {
	const output = new SummaryOutput(settings.filters, settings.analytics);
	const scanner = new ResultsScanner(lean ? output : withoutLean(output));
	const bytes = Buffer.from(text, 'utf8');
	try {
		for (let i = 0; i < bytes.length; i += size || bytes.length) scanner.push(bytes.subarray(i, i + (size || bytes.length)));
		return output.finish('job', scanner.end().frames);
	} catch (error) {
		return { problem: (error as Error).message };
	}
}

const CHUNK_SIZES = [0, 1, 2, 3, 7, 64, 1000];

/** What reading a file for Binary File (which only checks it) says: its frame count, or the problem. */
function checkedAsBinaryFile(text: string, size: number): unknown {
	const checker = outputBuilder({ output: 'binary' } as ResultsOutputSettings);
	expect(typeof checker.leanFrame).toBe('function');
	const scanner = new ResultsScanner(checker);
	const bytes = Buffer.from(text, 'utf8');
	try {
		for (let i = 0; i < bytes.length; i += size || bytes.length) scanner.push(bytes.subarray(i, i + (size || bytes.length)));
		return { frames: scanner.end().frames };
	} catch (error) {
		return { problem: (error as Error).message };
	}
}

function detections(frames: number, shift: number): unknown[] {
	return Array.from({ length: frames }, (_, f) =>
		f % 5 === 4
			? null
			: {
					time: f / 10,
					image: { width: 640, height: 480 },
					predictions: [
						{ ...BOX, x: 10 + f * 3 + shift, y: 100, width: 40, height: 60, confidence: 0.5 + (f % 4) / 10, class: 'person' },
						...(f % 3 ? [{ ...BOX, x: 400 - f * 2, y: 300 + shift, width: 80, height: 50, confidence: 0.91, class: 'car', points: [{ x: 1, y: 2 }] }] : []),
					],
				},
	);
}

function fileOf(models: Record<string, unknown[]>, frames: number): string {
	return JSON.stringify({
		frame_offset: Array.from({ length: frames }, (_, f) => f * 3),
		time_offset: Array.from({ length: frames }, (_, f) => f / 10),
		...models,
	});
}

const FRAMES = 24;
const MIXED: Array<[string, string]> = [
	['detection and segmentation models', fileOf({ det: detections(FRAMES, 0), seg: detections(FRAMES, 5) }, FRAMES)],
	[
		'a classifier, a gaze model and CLIP beside a detector',
		fileOf(
			{
				cls: Array.from({ length: FRAMES }, (_, f) => ({ top: f % 2 ? 'cat' : 'dog', confidence: 0.8, predictions: [{ class: 'cat', confidence: 0.8 }] })),
				gaze: Array.from({ length: FRAMES }, () => ({ predictions: [{ face: { ...BOX, class: 'face' }, yaw: 0.2, pitch: -0.1 }] })),
				clip: Array.from({ length: FRAMES }, (_, f) => [f / 10, -1]),
				det: detections(FRAMES, 2),
			},
			FRAMES,
		),
	],
	[
		'a model whose first frames are a classifier\'s, then detection-like ones (declined)',
		fileOf({ odd: [...Array.from({ length: 4 }, () => ({ top: 'cat', confidence: 0.7 })), ...detections(FRAMES - 4, 1)] }, FRAMES),
	],
	[
		'frames with and without the six fields, alternating',
		fileOf({ det: detections(FRAMES, 0).map((f, i) => (f && i % 2 ? { ...(f as object), predictions: [{ x: 1, y: 2, width: 3, height: 4, class: 'person' }] } : f)) }, FRAMES),
	],
	['pretty-printed', JSON.stringify(JSON.parse(fileOf({ det: detections(FRAMES, 0) }, FRAMES)), null, 2)],
];

describe('the Summary is the same with and without the lean reader, however the body is cut', () => {
	it.each(MIXED)('%s', (_, text) => {
		const expected = summaryOf(text, 0, false);
		expect(JSON.stringify(expected)).toContain('"frames_inferred"');
		for (const size of CHUNK_SIZES) expect([size, summaryOf(text, size, true)]).toEqual([size, expected]);
	});

	it('models before their times (no tracking: it needs the times first, and the node reads such a file twice)', () => {
		const text = JSON.stringify({ det: detections(6, 0), frame_offset: [0, 1, 2, 3, 4, 5], time_offset: [0, 0.1, 0.2, 0.3, 0.4, 0.5] });
		const settings = { filters: {}, analytics: undefined };
		const expected = summaryOf(text, 0, false, settings);
		expect(JSON.stringify(expected)).toContain('"frames_inferred":6');
		for (const size of CHUNK_SIZES) expect([size, summaryOf(text, size, true, settings)]).toEqual([size, expected]);
	});

	it('with filters and a counting line and zone', () => {
		const text = MIXED[0][1];
		const settings = {
			filters: { minConfidence: 0.6, classes: ['Person', 'bus'] },
			analytics: {
				...DEFAULT_ANALYTICS,
				countingLine: { points: [{ x: 0.3, y: 0 }, { x: 0.3, y: 1 }], relative: true },
				zone: { points: [{ x: 0, y: 0 }, { x: 200, y: 0 }, { x: 200, y: 480 }, { x: 0, y: 480 }], relative: false },
			},
		};
		const expected = summaryOf(text, 0, false, settings);
		for (const size of CHUNK_SIZES) expect([size, summaryOf(text, size, true, settings)]).toEqual([size, expected]);
	});

	it.each([
		['a malformed frame', '{"frame_offset":[0],"time_offset":[0],"m":[{"predictions":[{"x":1,,}]}]}'],
		['a bad literal in a frame', '{"time_offset":[0,1],"m":[{"predictions":[]},{"a":nul,"predictions":[]}]}'],
		['predictions that are not a list', '{"time_offset":[0],"m":[{"predictions":7}]}'],
		['a frame cut short', '{"time_offset":[0],"m":[{"predictions":[{"x":1.5'],
		['a time that is a string', '{"time_offset":[0,"1"],"m":[null,null]}'],
		['a number cut short at the end', '{"time_offset":[0,1'],
	])('the same problem, at the same byte: %s', (_, text) => {
		const expected = summaryOf(text, 0, false) as { problem: string };
		expect(expected.problem).toMatch(/results file|predictions/);
		for (const size of CHUNK_SIZES) {
			expect([size, summaryOf(text, size, true)]).toEqual([size, expected]);
			// Binary File only checks the file, with the lean reader too: the same problem.
			expect([size, checkedAsBinaryFile(text, size)]).toEqual([size, expected]);
		}
	});

	it.each(MIXED)('Binary File finds nothing wrong with a good file: %s', (_, text) => {
		for (const size of CHUNK_SIZES) expect([size, checkedAsBinaryFile(text, size)]).toEqual([size, { frames: FRAMES }]);
	});
});
