import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { describeValue, requireHttpUrl, requireInferFps, requireJobId } from '../../nodes/RoboflowVideo/helpers/validation';

const node = { name: 'Roboflow' } as INode;
const ctx = { getNode: () => node } as unknown as IExecuteFunctions;
const messageOf = (fn: () => unknown) => {
	try {
		fn();
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
};

describe('input validation', () => {
	it.each([
		[null, 'empty'],
		[[1], 'a list'],
		[{}, 'an object'],
		[3, 'a number (3)'],
		[false, 'a boolean (false)'],
		['x', 'string'],
	])('describes %j as "%s"', (value, words) => expect(describeValue(value)).toBe(words));

	it.each([
		['abc-123_DEF', 'abc-123_DEF'],
		['  fec28362-f7d9-4cc0-a805-5e94495d063d ', 'fec28362-f7d9-4cc0-a805-5e94495d063d'],
	])('accepts job ID %j', (value, expected) => expect(requireJobId(ctx, value, 0)).toBe(expected));

	it.each([
		[7, /^Item 1: Job ID is a number \(7\)/],
		[undefined, /^Item 1: Job ID is empty/],
		['a/b', /is not a Roboflow job ID/],
	])('refuses job ID %j', (value, message) => expect(messageOf(() => requireJobId(ctx, value, 0))).toMatch(message));

	it.each([
		['https://example.com/a.mp4', undefined],
		['http://127.0.0.1:9000/x.mkv?sig=1', undefined],
		['https://example.com/a b.mp4', /contains spaces/],
		['example.com/a.mp4', /is not a URL/],
		['file:///etc/passwd', /must start with http/],
		[['https://x/a.mp4'], /is a list, not a URL/],
	])('Video URL %j', (value, message) => {
		const got = messageOf(() => requireHttpUrl(ctx, value, 2, 'Video URL'));
		if (message) expect(got).toMatch(new RegExp(`^Item 3: .*${message.source}`));
		else expect(got).toBeUndefined();
	});

	it.each([
		[5, 5],
		['30', 30],
		[120, 120],
	])('accepts Inference FPS %j', (value, expected) => expect(requireInferFps(ctx, value, 0)).toBe(expected));

	it.each([[0], [121], [2.5], [''], [null], ['5fps']])('refuses Inference FPS %j', (value) =>
		expect(messageOf(() => requireInferFps(ctx, value, 0))).toMatch(/Inference FPS must be a whole number from 1 to 120/));
});
