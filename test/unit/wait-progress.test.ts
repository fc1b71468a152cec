import { batchProgress, jobProgress, type JobProgressState } from '../../nodes/RoboflowVideo/actions/waitForResult/progress';

/** The wait's progress rows (what the internal run's "Still running" node shows), from a job's state and the clock. */
const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe('jobProgress', () => {
	it.each<[string, JobProgressState, number, Partial<ReturnType<typeof jobProgress>>]>([
		['not checked yet', { jobId: 'j', itemIndex: 0 }, 0, { state: 'waiting for first check', checks_made: 0, last_check_at: null, next_check_at: iso(0) }],
		['running, checked twice', { jobId: 'j', itemIndex: 0, checks: 2, lastPollAt: T0 + MINUTE }, 2 * MINUTE, { state: 'running', checks_made: 2, last_check_at: iso(MINUTE), next_check_at: iso(2 * MINUTE) }],
		// Retry-After later than the park: the job's own due time shows.
		['running, told to come back later', { jobId: 'j', itemIndex: 0, checks: 1, lastPollAt: T0, notBefore: T0 + 5 * MINUTE }, MINUTE, { state: 'running', next_check_at: iso(5 * MINUTE) }],
		// Saved by a version before checks were counted: checked all the same.
		['running, checked by an earlier version', { jobId: 'j', itemIndex: 0, lastPollAt: T0 }, MINUTE, { state: 'running', checks_made: 0, next_check_at: iso(MINUTE) }],
		['completed: no next check', { jobId: 'j', itemIndex: 0, checks: 3, lastPollAt: T0 + 2 * MINUTE, completed: true }, 3 * MINUTE, { state: 'completed', next_check_at: null, last_check_at: iso(2 * MINUTE) }],
		['given up on: failed, no next check', { jobId: 'j', itemIndex: 0, checks: 1, lastPollAt: T0, errorItem: { error: 'x' } }, MINUTE, { state: 'failed', next_check_at: null }],
	])('%s', (_, job, parkedFor, expected) => {
		const row = jobProgress(job, T0, T0 + parkedFor, MINUTE);
		expect(row).toMatchObject({ job_id: 'j', waiting_since: iso(0), ...expected });
	});

	it.each([
		['running', { checks: 1, lastPollAt: T0 }, /Stopping this run does not stop the job.*job ID j-7/],
		['waiting for first check', {}, /job ID j-7/],
		['completed', { checks: 1, lastPollAt: T0, completed: true }, /results are fetched once no job/],
		['failed', { checks: 1, lastPollAt: T0, errorItem: {} }, /reported by the Wait For Result node/],
	])('says what a person can do (%s)', (state, extra, note) => {
		const row = jobProgress({ jobId: 'j-7', itemIndex: 0, ...extra }, T0, T0 + MINUTE, MINUTE);
		expect(row.state).toBe(state);
		expect(row.note).toMatch(note);
	});
});

describe('batchProgress', () => {
	it('puts each job on its input item; an item without a job (refused job ID) gets no row', () => {
		const rows = batchProgress(
			[
				{ jobId: 'b', itemIndex: 2, checks: 1, lastPollAt: T0 },
				{ jobId: 'a', itemIndex: 0, checks: 1, lastPollAt: T0 },
				{ jobId: '', itemIndex: 1, errorItem: { error: 'no job ID' } },
			],
			3,
			T0,
			T0 + MINUTE,
			MINUTE,
		);
		expect(rows.map((row) => row?.job_id)).toEqual(['a', undefined, 'b']);
	});

	it('ignores state for items beyond the batch', () => {
		expect(batchProgress([{ jobId: 'x', itemIndex: 5 }], 2, T0, T0, MINUTE)).toEqual([undefined, undefined]);
	});
});
