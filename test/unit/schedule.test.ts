import { dueAt, formatDuration, isDue, isLongWait, mustSettle, nextCheckAt, resumedLate } from '../../nodes/RoboflowVideo/actions/waitForResult/schedule';

const MIN = 60_000;

describe('the wait\'s schedule', () => {
	it.each([
		[{}, 0],
		[{ lastPollAt: 1000 }, 1000 + MIN],
		[{ lastPollAt: 1000, notBefore: 5000 }, 1000 + MIN],
		[{ lastPollAt: 1000, notBefore: 2 * MIN }, 2 * MIN],
		[{ notBefore: 30_000 }, 30_000],
	])('a job %j is due at %d', (job, expected) => expect(dueAt(job, MIN)).toBe(expected));

	it.each([
		[{ lastPollAt: 0 }, MIN - 1, false],
		[{ lastPollAt: 0 }, MIN, true],
		[{}, 0, true],
		[{ lastPollAt: 0, notBefore: 2 * MIN }, MIN, false],
	])('%j at %d is due: %s', (job, now, expected) => expect(isDue(job, MIN, now)).toBe(expected));

	it.each([
		['the earliest due job', [{ lastPollAt: 0 }, { lastPollAt: 10_000 }], 5_000, 10 * MIN, MIN],
		['never past the deadline', [{ lastPollAt: 0 }], 5_000, 30_000, 30_000],
		['never in the past', [{ lastPollAt: 0 }], 2 * MIN, 10 * MIN, 2 * MIN],
	])('next check: %s', (_, jobs, now, deadline, expected) => expect(nextCheckAt(jobs, MIN, now, deadline)).toBe(expected));

	it.each([
		['on time', { parkedUntil: 0, parkedForLong: true }, 500, false, false],
		['late after a long wait', { parkedUntil: 0, parkedForLong: true }, 15_000, true, true],
		['late after a short wait (n8n resumes those late anyway)', { parkedUntil: 0, parkedForLong: false }, 15_000, false, false],
		['late but already settling', { parkedUntil: 0, parkedForLong: true, settling: true }, 15_000, true, false],
		['never parked', {}, 15_000, false, false],
	])('a resume %s', (_, park, now, late, settle) => {
		expect(resumedLate(park, now)).toBe(late);
		expect(mustSettle(park, now)).toBe(settle);
	});

	it.each([
		[MIN, 0, true],
		[54_000, 0, false],
	])('a wait until %d from %d is long: %s', (until, now, expected) => expect(isLongWait(until, now)).toBe(expected));

	it.each([
		[60_000, '1 minute'],
		[30 * MIN, '30 minutes'],
		[360 * MIN, '6 hours'],
		[150 * MIN, '2.5 hours'],
	])('%d ms reads "%s"', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
