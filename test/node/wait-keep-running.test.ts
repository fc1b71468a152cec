import type { IDataObject } from 'n8n-workflow';

import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow } from '../harness/in-process-n8n';
import { chain, credentialsFor, emulatorForTests, jsonOf, RPS_MODEL, startJobDirectly, uploadSample } from './helpers';

/**
 * Wait For Result with Keep Execution Running: the node polls inside the running execution.
 * Every timer is faked, so the minutes between checks pass in milliseconds; the Park Execution
 * mode is in wait-for-result.test.ts.
 */
const T0 = new Date('2026-11-22T10:00:00Z').getTime();
const MINUTE = 60_000;

describe('Wait For Result: Keep Execution Running', () => {
	let emulator: RoboflowEmulator;
	const realSetTimeout = global.setTimeout;
	const realDelay = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

	beforeAll(async () => {
		emulator = await emulatorForTests({ pollWindowMs: MINUTE });
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());
	afterEach(() => jest.useRealTimers());

	/** Lets faked time pass in small steps, giving real I/O a moment between them. */
	async function letTimePass(totalMs: number, until?: Promise<unknown>, stepMs = 1_000): Promise<void> {
		let settled = false;
		void until?.finally(() => (settled = true)).catch(() => undefined);
		for (let passed = 0; !settled && passed < totalMs; passed += stepMs) {
			await realDelay(2);
			await jest.advanceTimersByTimeAsync(stepMs);
		}
	}

	const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);

	async function startFakeClockAndJob(seconds: number): Promise<string> {
		const url = await uploadSample(emulator);
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
		jest.setSystemTime(T0);
		emulator.configure({ processing: { fixedSeconds: seconds } });
		return await startJobDirectly(emulator, url, [RPS_MODEL]);
	}

	const waitStep = (extra: IDataObject = {}) =>
		chain([{}], [{ name: 'Wait', parameters: { operation: 'waitForResult', waitMode: 'keepRunning', jobId: '={{ $json.job_id }}', output: 'perFrame', ...extra } }]);

	it('polls in-process once per interval and returns the results when the job ends', async () => {
		const jobId = await startFakeClockAndJob(150);
		const running = runWorkflow(waitStep({ jobId }), { credentials: credentialsFor(emulator) });
		await letTimePass(10 * MINUTE, running);
		const result = await running;
		expect(result.error).toBeUndefined();
		expect(result.run.waitTill).toBeUndefined();
		const polls = emulator.statusPolls(jobId).map((r) => r.at - T0);
		expect(polls).toHaveLength(4);
		expect(polls[0]).toBeLessThan(5_000);
		for (const gap of gaps(polls)) expect(gap).toBeGreaterThanOrEqual(MINUTE);
		const frames = jsonOf(result, 'Wait');
		expect(frames.length).toBeGreaterThan(0);
		expect(frames[0]).toMatchObject({ job_id: jobId, frame_index: expect.any(Number), time: expect.any(Number) });
	});

	it('stops promptly, with no further status calls, when the execution is cancelled', async () => {
		const jobId = await startFakeClockAndJob(3600);
		let cancel: () => void = () => {};
		const running = runWorkflow(waitStep({ jobId }), { credentials: credentialsFor(emulator), onStart: (c) => (cancel = c) });
		await letTimePass(2 * MINUTE + 30_000);
		const pollsBefore = emulator.statusPolls(jobId).length;
		expect(pollsBefore).toBe(3);
		cancel();
		await letTimePass(5_000, running);
		const result = await running;
		expect(result.run.status).toBe('canceled');
		expect(result.error?.description).toContain(jobId);
		await letTimePass(10 * MINUTE, undefined, 30_000);
		expect(emulator.statusPolls(jobId)).toHaveLength(pollsBefore);
	});
});
