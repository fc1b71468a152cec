import { RawBuilder } from '../../nodes/RoboflowVideo/results/output';
import { ResultsScanner, type ResultsVisitor } from '../../nodes/RoboflowVideo/results/scanner';

/** Feeds `text` in chunks of `size` bytes (0: whole); returns the object rebuilt or the problem. */
function scanIn(text: string, size: number, visitor: ResultsVisitor = new RawBuilder(Number.POSITIVE_INFINITY)) {
	const bytes = Buffer.from(text, 'utf8');
	const scanner = new ResultsScanner(visitor);
	try {
		for (let i = 0; i < bytes.length; i += size || bytes.length) scanner.push(bytes.subarray(i, i + (size || bytes.length)));
		const end = scanner.end();
		return { ...end, results: (visitor as RawBuilder).results };
	} catch (error) {
		return { problem: (error as Error).message };
	}
}

const CHUNK_SIZES = [0, 1, 2, 3, 7, 64];

const TRICKY = {
	frame_offset: [0, 6, 12],
	time_offset: [0, 0.25, 0.5],
	'model "a"/1': [
		{ time: 0.1, image: { width: 640, height: 480 }, predictions: [{ x: 1.5, y: -2e-3, class: 'box]}"[{', confidence: 0.9, class_id: 0 }] },
		null,
		{ predictions: [{ class: 'Straße 🚗', confidence: 1, points: [{ x: 1, y: 2 }], note: 'back\\slash \u2028 "q"' }] },
	],
	clip: [[0.1, -0.2], null, [1e-7, 3]],
};

describe('the streaming reader reads what JSON.parse reads, however the body is cut into chunks', () => {
	it.each([
		['brackets, quotes, escapes and non-ASCII inside strings', JSON.stringify(TRICKY)],
		['pretty-printed with newlines and tabs', JSON.stringify(TRICKY, null, '\t')],
		['keys in any order: models before the offsets', JSON.stringify({ m: [null, { predictions: [] }], time_offset: [0, 1], frame_offset: [0, 30] })],
		['empty lists', JSON.stringify({ frame_offset: [], time_offset: [], m: [] })],
		['a key with an escaped quote', '{"a\\"b":[null]}'],
	])('%s', (_, text) => {
		for (const size of CHUNK_SIZES) {
			const read = scanIn(text, size);
			expect([size, 'results' in read ? read.results : read.problem]).toEqual([size, JSON.parse(text)]);
		}
	});

	it.each([
		['one detection model', { frame_offset: [0, 6], time_offset: [0, 0.25], m: [{ predictions: [] }, null] }, ['m'], 2],
		['no offsets at all', { m: [null, null, null] }, ['m'], 3],
		['two models', { frame_offset: [0], a: [null], b: [{ predictions: [], top: 'x' }] }, ['a', 'b'], 1],
	])('says which models and how many frames: %s', (_, file, modelIds, frames) => {
		expect(scanIn(JSON.stringify(file), 0)).toMatchObject({ modelIds, frames });
	});

	it('reports each frame once, in order, with its size in bytes', () => {
		const text = JSON.stringify({ frame_offset: [0, 1], m: [{ predictions: [] }, null] });
		const seen: Array<[string, number, unknown, number]> = [];
		for (const size of CHUNK_SIZES) {
			seen.length = 0;
			scanIn(text, size, { frame: (m, i, entry, bytes) => seen.push([m, i, entry, bytes]) });
			expect(seen).toEqual([
				['m', 0, { predictions: [] }, 18],
				['m', 1, null, 4],
			]);
		}
	});

	it('skips a model the visitor does not want, still checking each entry', () => {
		const frames: unknown[] = [];
		const visitor: ResultsVisitor = { modelStart: (m) => m !== 'skip', frame: (m) => frames.push(m) };
		expect(scanIn('{"skip":[{"a":[1,{"b":"]"}]},null],"keep":[null,null]}', 1, visitor)).toMatchObject({ frames: 2, modelIds: ['skip', 'keep'] });
		expect(frames).toEqual(['keep', 'keep']);
		expect(scanIn('{"skip":[nul]}', 1, visitor)).toEqual({ problem: 'frame 0 of model "skip" is neither a frame object nor null' });
	});
});

describe('the streaming reader names what is wrong and where, whatever the chunks', () => {
	it.each([
		['', 'the results file ends early, after 0 bytes (it was cut short)'],
		['{"frame_offset":[0,', 'the results file ends early, after 19 bytes (it was cut short)'],
		['{"m":[{"predictions":[]}', 'the results file ends early, after 24 bytes (it was cut short)'],
		['<html>502</html>', 'the results file is not a JSON object of per-frame lists'],
		['null', 'the results file is not a JSON object of per-frame lists'],
		['[]', 'the results file is not a JSON object of per-frame lists'],
		['{"m":["frame"]}', 'frame 0 of model "m" is neither a frame object nor null'],
		['{"m":[null null]}', 'the results file is malformed at byte 11: expected "," or "]" in the list "m", found "n"'],
		['{"m":[null,]}', 'the results file is malformed at byte 11: a "," with nothing after it in the list "m"'],
		['{"m":[{"x":1,,}]}', 'the results file is malformed at byte 13: entry 0 of "m" is not valid JSON'],
		['{"m":[null]} x', 'the results file is malformed at byte 13: "x" after the end of the results object'],
		['{"m":[null],"m":[null]}', 'the results file is malformed at byte 16: the key "m" appears twice'],
		['{"m" [null]}', 'the results file is malformed at byte 5: expected ":" after "m", found "["'],
		['{}', "the results file holds no model's results"],
		['{"frame_offset":[0,"1"],"m":[null,null]}', '"frame_offset" in the results file holds a non-number at frame 1'],
		['{"time_offset":{},"m":[]}', '"time_offset" in the results file is not a list'],
		['{"m":7}', 'the results of model "m" are not a list of frames'],
		['{"m":[true]}', 'frame 0 of model "m" is neither a frame object nor null'],
		['{"m":[{"predictions":{}}]}', 'the predictions of frame 0 of model "m" are not a list'],
		['{"frame_offset":[0,1],"m":[null]}', 'model "m" has 1 frames where the file has 2 frame offsets'],
		['{"frame_offset":[0,1],"time_offset":[0],"m":[null,null]}', 'the file has 2 frame offsets but 1 time offsets'],
	])('%j', (text, problem) => {
		for (const size of CHUNK_SIZES) expect([size, scanIn(text, size)]).toEqual([size, { problem }]);
	});
});
