import { frameCount, modelIdsOf, parseResultsFile } from '../../nodes/RoboflowVideo/results/file';

describe('parseResultsFile accepts what Roboflow writes', () => {
	it.each([
		['one detection model', { frame_offset: [0, 6], time_offset: [0, 0.25], m: [{ predictions: [] }, null] }, ['m'], 2],
		['CLIP embeddings', { frame_offset: [0], time_offset: [0], clip: [[0.1, 0.2]] }, ['clip'], 1],
		['keys in any order', { m: [null], time_offset: [0], frame_offset: [0] }, ['m'], 1],
		['no offsets at all', { m: [null, null, null] }, ['m'], 3],
		['two models', { frame_offset: [0], a: [null], b: [{ predictions: [], top: 'x' }] }, ['a', 'b'], 1],
	])('%s', (_, file, models, frames) => {
		const parsed = parseResultsFile(JSON.stringify(file));
		expect('results' in parsed).toBe(true);
		const { results } = parsed as { results: Parameters<typeof modelIdsOf>[0] };
		expect(modelIdsOf(results)).toEqual(models);
		expect(frameCount(results)).toBe(frames);
	});
});

describe('parseResultsFile names what is wrong', () => {
	it.each([
		['', /ends early, after 0 bytes/],
		['{"frame_offset":[0,', /ends early/],
		['{"a":[null null]}', /malformed at byte 11: expected "," or "]"/],
		['{"a":1 "b":2}', /results of model "a" are not a list/],
		['null', /not a JSON object/],
		['[]', /not a JSON object/],
		['{"frame_offset":[0]}', /holds no model's results/],
		['{"frame_offset":"0","m":[null]}', /"frame_offset" in the results file is not a list/],
		['{"time_offset":[0,"x"],"m":[null,null]}', /non-number at frame 1/],
		['{"m":{"0":null}}', /results of model "m" are not a list/],
		['{"m":["frame"]}', /frame 0 of model "m" is neither/],
		['{"m":[{"predictions":"none"}]}', /predictions of frame 0 of model "m" are not a list/],
		['{"frame_offset":[0,1],"m":[null]}', /model "m" has 1 frames where the file has 2/],
		['{"frame_offset":[0,1],"time_offset":[0],"m":[null,null]}', /2 frame offsets but 1 time offsets/],
	])('%j: %s', (text, problem) => {
		const parsed = parseResultsFile(text);
		expect((parsed as { problem?: string }).problem).toMatch(problem);
	});
});
