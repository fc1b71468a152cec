import { parseRetryAfter, retryDelayMs, transferDeadlineMs, transferPolicy } from '../../nodes/RoboflowVideo/transport/policy';

describe('the transfer policy', () => {
	const now = Date.parse('2026-11-25T10:00:00Z');
	it.each([
		['12', 12_000],
		['0', 0],
		['1.5', 1500],
		[['7'], 7000],
		[30, 30_000],
		['Wed, 25 Nov 2026 10:01:00 GMT', 60_000],
		['Wed, 25 Nov 2026 09:00:00 GMT', 0],
		['soon', undefined],
		[undefined, undefined],
	])('Retry-After %j is %j ms', (value, expected) => expect(parseRetryAfter(value, now)).toBe(expected));

	it.each([
		[0, 60_000],
		[256 * 1024, 61_000],
		[1024 * 1024 * 1024, 60_000 + 4096 * 1000],
	])('moving %d bytes may take %d ms', (bytes, expected) => expect(transferDeadlineMs(bytes, transferPolicy)).toBe(expected));

	it.each([
		[1, undefined, 1000],
		[2, undefined, 4000],
		[3, undefined, 10_000],
		[9, undefined, 10_000],
		[1, 2500, 2500],
	])('attempt %d with Retry-After %j waits %d ms', (attempt, retryAfter, expected) =>
		expect(retryDelayMs(attempt, retryAfter, { ...transferPolicy, backoffMs: [1000, 4000, 10_000] })).toBe(expected));
});
