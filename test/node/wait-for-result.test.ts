import { parse, stringify } from 'flatted';
import type { IDataObject, INode, IRunExecutionData } from 'n8n-workflow';

import { buildInlineWaitWorkflow, CHECK_NODE_NAME, LOOP_NODE_NAME, RESULT_NODE_NAME } from '../../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import type { WaitState } from '../../nodes/RoboflowVideo/actions/waitForResult/jobTracker';
import type { RoboflowEmulator } from '../emulator/server';
import { ROBOFLOW_NODE_TYPE, runWorkflow, type RunResult } from '../harness/in-process-n8n';
import { waitSettings } from './helpers';
import { chain, credentialsFor, emulatorForTests, jsonOf, RPS_MODEL, startJobDirectly, uploadSample } from './helpers';

/**
 * Park Execution's internal step, run through n8n-core exactly as the node builds it. Time is
 * the faked Date clock shared by the node and the emulator; only Date is faked, so HTTP runs.
 */
const T0 = new Date('2026-11-22T10:00:00Z').getTime();
const MINUTE = 60_000;

function parentNode(parameters: IDataObject = {}, continueOnFail = false): INode {
	return {
		id: 'parent',
		name: 'Wait For Result',
		type: ROBOFLOW_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { operation: 'waitForResult', ...parameters } as INode['parameters'],
		credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } },
		...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
}

const checkParameters = (extra: IDataObject = {}): IDataObject => ({
	jobId: '={{ $json.job_id }}',
	pollInterval: 60,
	maxWaitTime: 360,
	output: 'summary',
	...extra,
});

describe('Wait For Result: the check-once step parks, resumes and finally hands over results', () => {
	let emulator: RoboflowEmulator;

	beforeAll(async () => {
		emulator = await emulatorForTests({ pollWindowMs: MINUTE });
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => {
		jest.useFakeTimers({
			doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
		});
		jest.setSystemTime(T0);
		emulator.reset();
		emulator.configure({ outputUrlTtlSeconds: 3_600 });
	});
	afterEach(() => jest.useRealTimers());

	async function startJobs(count: number, modelsPerJob: number[] = []): Promise<string[]> {
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const extra = [
				{ model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
				{ model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
			].slice(0, (modelsPerJob[i] ?? 1) - 1);
			ids.push(await startJobDirectly(emulator, await uploadSample(emulator, `clip-${i}.mp4`), [RPS_MODEL, ...extra]));
		}
		return ids;
	}

	function subWorkflow(parameters: IDataObject = {}, continueOnFail = false) {
		return buildInlineWaitWorkflow(parentNode({}, continueOnFail), waitSettings(checkParameters(parameters)));
	}

	async function run(jobIds: string[], previous?: RunResult, parameters: IDataObject = {}, continueOnFail = false) {
		return await runWorkflow(
			{ nodes: subWorkflow(parameters, continueOnFail).nodes, connections: subWorkflow(parameters, continueOnFail).connections },
			{
				credentials: credentialsFor(emulator),
				startItems: jobIds.map((job_id, i) => ({ json: { job_id }, pairedItem: { item: i } })),
				resumeFrom: previous?.saved,
				executionId: 'sub-1',
			},
		);
	}

	const pollTimes = (jobId: string) => emulator.statusPolls(jobId).map((r) => r.at - T0);
	/** Every results download of the job, by path (a refused one has no job id): [time since T0, HTTP status]. */
	const downloads = (jobId: string) => emulator.requests.filter((r) => r.endpoint === 'results' && r.path.endsWith(`/${jobId}/results.json`)).map((r) => [r.at - T0, r.status]);
	/** The check step's node context as n8n stores it in its database with the parked execution. */
	const savedWaitState = (result: RunResult): WaitState =>
		(parse(result.saved) as IRunExecutionData).executionData!.contextData[`node:${CHECK_NODE_NAME}`] as WaitState;

	/**
	 * Two jobs on the sample (4 s): one model takes 70 s, three take 150 s. Rounds at minutes 0, 1
	 * and 2: at minute 2 the quick job has completed and the slow one is still running.
	 */
	async function quickDoneSlowRunning(parameters: IDataObject = {}, continueOnFail = false) {
		emulator.configure({ processing: { baseSeconds: 30, secondsPerVideoSecondPerModel: 10 } });
		const [quick, slow] = await startJobs(2, [1, 3]);
		let result = await run([quick, slow], undefined, parameters, continueOnFail);
		for (const minute of [1, 2]) {
			jest.setSystemTime(T0 + minute * MINUTE);
			result = await run([quick, slow], result, parameters, continueOnFail);
		}
		expect(result.run.waitTill?.getTime()).toBe(T0 + 3 * MINUTE);
		return { quick, slow, result };
	}

	/** Resumes at each due time until the step hands over or fails. */
	async function runToEnd(jobIds: string[], result: RunResult, parameters: IDataObject = {}, continueOnFail = false) {
		for (let round = 0; result.run.waitTill && !result.error; round++) {
			expect(round).toBeLessThan(12);
			jest.setSystemTime(result.run.waitTill.getTime());
			result = await run(jobIds, result, parameters, continueOnFail);
		}
		return result;
	}

	it('parks while the job runs, re-parks on each resume, and emits the summary when it ends', async () => {
		emulator.configure({ processing: { fixedSeconds: 150 } });
		const [jobId] = await startJobs(1);

		let result = await run([jobId]);
		expect(result.error).toBeUndefined();
		expect(result.run.waitTill?.getTime()).toBe(T0 + MINUTE);
		expect(result.output(RESULT_NODE_NAME)).toEqual([]);
		expect(pollTimes(jobId)).toEqual([0]);

		for (const minute of [1, 2]) {
			jest.setSystemTime(T0 + minute * MINUTE);
			result = await run([jobId], result);
			expect(result.run.waitTill?.getTime()).toBe(T0 + (minute + 1) * MINUTE);
			expect(result.output(RESULT_NODE_NAME)).toEqual([]);
		}

		jest.setSystemTime(T0 + 3 * MINUTE);
		result = await run([jobId], result);
		expect(result.run.waitTill).toBeUndefined();
		expect(result.run.status).toBe('success');
		const [summary] = jsonOf(result, RESULT_NODE_NAME);
		expect(summary).toMatchObject({ job_id: jobId, state: 'completed', frames_inferred: expect.any(Number) });
		expect(result.output(RESULT_NODE_NAME)[0][0].pairedItem).toEqual({ item: 0 });
		expect(pollTimes(jobId)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
	});

	it('shows each job\'s progress in the internal run: state, checks made, next check (the "Still running" node)', async () => {
		emulator.configure({ processing: { baseSeconds: 30, secondsPerVideoSecondPerModel: 10 } });
		const [quick, slow] = await startJobs(2, [1, 3]);
		let result = await run([quick, slow]);
		jest.setSystemTime(T0 + MINUTE);
		result = await run([quick, slow], result);
		// What n8n shows after this resume is what the step wrote before it parked at minute 0.
		const iso = (ms: number) => new Date(T0 + ms).toISOString();
		expect(jsonOf(result, LOOP_NODE_NAME)).toEqual([
			expect.objectContaining({ job_id: quick, state: 'running', checks_made: 1, last_check_at: iso(0), next_check_at: iso(MINUTE), waiting_since: iso(0) }),
			expect.objectContaining({ job_id: slow, state: 'running', checks_made: 1, last_check_at: iso(0), next_check_at: iso(MINUTE) }),
		]);
		expect(String(jsonOf(result, LOOP_NODE_NAME)[0].note)).toContain(`job ID ${quick}`);
		jest.setSystemTime(T0 + 2 * MINUTE);
		result = await run([quick, slow], result);
		// At minute 1 the quick job (70 s) was still running; at 2 it completed, the slow one runs on.
		expect(jsonOf(result, LOOP_NODE_NAME).map((json) => [json.state, json.checks_made, json.next_check_at])).toEqual([
			['running', 2, iso(2 * MINUTE)],
			['running', 2, iso(2 * MINUTE)],
		]);
		jest.setSystemTime(T0 + 3 * MINUTE);
		result = await run([quick, slow], result);
		expect(jsonOf(result, LOOP_NODE_NAME).map((json) => [json.job_id, json.state, json.checks_made, json.next_check_at])).toEqual([
			[quick, 'completed', 3, null],
			[slow, 'running', 3, iso(3 * MINUTE)],
		]);
		// The step's Job ID expression still reads job_id from these items.
		expect(pollTimes(slow)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
	});

	it('makes no status call when resumed before the interval, and parks again for the time left', async () => {
		emulator.configure({ processing: { fixedSeconds: 150 } });
		const [jobId] = await startJobs(1);
		const first = await run([jobId]);
		expect(pollTimes(jobId)).toEqual([0]);

		jest.setSystemTime(T0 + 20_000);
		const early = await run([jobId], first);
		expect(early.error).toBeUndefined();
		expect(pollTimes(jobId)).toEqual([0]);
		expect(early.run.waitTill?.getTime()).toBe(T0 + MINUTE);

		jest.setSystemTime(T0 + MINUTE);
		await run([jobId], early);
		expect(pollTimes(jobId)).toEqual([0, MINUTE]);
	});

	it('after a late resume (n8n was down when the check was due), sits out one short wait before checking', async () => {
		emulator.configure({ processing: { fixedSeconds: 30 } });
		const [jobId] = await startJobs(1);
		const first = await run([jobId]);
		expect(first.run.waitTill?.getTime()).toBe(T0 + MINUTE);

		// Resumed 40 s after the check was due, as right after a restart of n8n.
		jest.setSystemTime(T0 + MINUTE + 40_000);
		const settling = await run([jobId], first);
		expect(settling.error).toBeUndefined();
		expect(pollTimes(jobId)).toEqual([0]);
		expect(settling.run.waitTill?.getTime()).toBe(T0 + MINUTE + 70_000);

		// n8n's next sweep resumes it, late again by its nature: now it checks and hands over.
		jest.setSystemTime(T0 + 2 * MINUTE + 30_000);
		const done = await run([jobId], settling);
		expect(pollTimes(jobId)).toEqual([0, 2 * MINUTE + 30_000]);
		expect(done.run.waitTill).toBeUndefined();
		expect(jsonOf(done, RESULT_NODE_NAME)[0]).toMatchObject({ job_id: jobId, state: 'completed' });
	});

	it('takes a 429 as "not yet" and waits as long as Retry-After says', async () => {
		emulator.configure({ processing: { fixedSeconds: 150 } });
		const [jobId] = await startJobs(1);
		emulator.addFault({ match: { endpoint: 'jobStatus' }, times: 1, fault: { type: 'http', status: 429, retryAfterSeconds: 90 } });
		const result = await run([jobId]);
		expect(result.error).toBeUndefined();
		expect(result.run.waitTill?.getTime()).toBe(T0 + 90_000);
	});

	it('polls each job once per round, stops polling finished jobs, and emits all results together', async () => {
		emulator.configure({ processing: { baseSeconds: 30, secondsPerVideoSecondPerModel: 10 } });
		// The sample is 4 s long: one model takes 70 s, three take 150 s.
		const [quick, slow] = await startJobs(2, [1, 3]);
		let result = await run([quick, slow]);
		for (let minute = 1; result.run.waitTill; minute++) {
			expect(minute).toBeLessThan(10);
			expect(result.output(RESULT_NODE_NAME)).toEqual([]);
			jest.setSystemTime(T0 + minute * MINUTE);
			result = await run([quick, slow], result);
		}
		expect(pollTimes(quick)).toEqual([0, MINUTE, 2 * MINUTE]);
		expect(pollTimes(slow)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
		const out = result.output(RESULT_NODE_NAME)[0];
		expect(out.map((item) => [item.json.job_id, item.pairedItem])).toEqual([
			[quick, { item: 0 }],
			[slow, { item: 1 }],
		]);
		expect(Object.keys(out[1].json.models as object).sort()).toEqual(['clip', 'gaze', 'rock-paper-scissors-presentation']);
	});

	it.each([
		['summary', (json: IDataObject) => expect(json.frames_inferred).toBeGreaterThan(0)],
		['perFrame', (json: IDataObject) => expect((json.frames as IDataObject[]).length).toBe(json.frame_count)],
		['raw', (json: IDataObject) => expect(Object.keys(json.results as IDataObject)).toContain('rock-paper-scissors-presentation')],
		['binary', (json: IDataObject) => expect(json.size_bytes).toBeGreaterThan(0)],
	])('keeps no results in the saved state (Output %s): a completed job is downloaded once, when the last job ends', async (output, check) => {
		const { quick, slow, result: parked } = await quickDoneSlowRunning({ output });
		// Saved with the parked execution: the quick job's state and results link, none of its results.
		const jobs = savedWaitState(parked).jobs!;
		expect(jobs[`0:${quick}`]).toEqual({
			jobId: quick,
			itemIndex: 0,
			checks: 3,
			lastPollAt: T0 + 2 * MINUTE,
			transientFailures: 0,
			unreadableAnswers: 0,
			completed: true,
			outputUrl: expect.stringMatching(new RegExp(`^${emulator.storageUrl}/[^?]+/${quick}/results\\.json\\?`)),
			outputUrlAt: T0 + 2 * MINUTE,
		});
		expect(jobs[`1:${slow}`]).toEqual({ jobId: slow, itemIndex: 1, checks: 3, lastPollAt: T0 + 2 * MINUTE, transientFailures: 0, unreadableAnswers: 0 });
		expect(downloads(quick)).toEqual([]);

		jest.setSystemTime(T0 + 3 * MINUTE);
		const done = await run([quick, slow], parked, { output });
		expect(done.error).toBeUndefined();
		expect(done.run.waitTill).toBeUndefined();
		expect(downloads(quick)).toEqual([[3 * MINUTE, 200]]);
		expect(downloads(slow)).toEqual([[3 * MINUTE, 200]]);
		expect(pollTimes(quick)).toEqual([0, MINUTE, 2 * MINUTE]);
		const out = done.output(RESULT_NODE_NAME)[0];
		expect(out.map((item) => [item.json.job_id, item.json.state, item.pairedItem])).toEqual([
			[quick, 'completed', { item: 0 }],
			[slow, 'completed', { item: 1 }],
		]);
		for (const item of out) check(item.json);
		if (output === 'binary') for (const item of out) expect(Buffer.from(item.binary!.data.data, 'base64').length).toBe(item.json.size_bytes);
		// Not in the state at the end either: the results left in the output only.
		expect(JSON.stringify(savedWaitState(done))).not.toMatch(/"(?:frames|results|binary|frames_inferred|models)"/);
	});

	it('refreshes a results link that expired between the job\'s completion and the end with a new status check', async () => {
		// Links live 30 s: the quick job's link, from minute 2, has expired when the slow job ends at minute 3.
		emulator.configure({ outputUrlTtlSeconds: 30 });
		const { quick, slow, result: parked } = await quickDoneSlowRunning();
		jest.setSystemTime(T0 + 3 * MINUTE);
		const done = await run([quick, slow], parked);
		expect(done.error).toBeUndefined();
		expect(done.run.waitTill).toBeUndefined();
		// Storage refuses the expired link (400); the quick job was due for a check, so it got a fresh link at once.
		expect(downloads(quick)).toEqual([
			[3 * MINUTE, 400],
			[3 * MINUTE, 200],
		]);
		expect(pollTimes(quick)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
		expect(downloads(slow)).toEqual([[3 * MINUTE, 200]]);
		expect(jsonOf(done, RESULT_NODE_NAME).map((json) => [json.job_id, json.frames_inferred])).toEqual([
			[quick, expect.any(Number)],
			[slow, expect.any(Number)],
		]);
		expect(savedWaitState(done).jobs![`0:${quick}`]).toMatchObject({ downloadFailures: 0, outputUrlAt: T0 + 3 * MINUTE });
	});

	it('when a download fails right after a job\'s check, parks until that job is due, drops the others\' results and fetches them again', async () => {
		const { quick, slow, result: parked } = await quickDoneSlowRunning();
		emulator.addFault({ match: { endpoint: 'results', jobId: slow }, times: 1, fault: { type: 'http', status: 404 } });
		jest.setSystemTime(T0 + 3 * MINUTE);
		const failed = await run([quick, slow], parked);
		expect(failed.error).toBeUndefined();
		expect(failed.run.waitTill?.getTime()).toBe(T0 + 4 * MINUTE);
		expect(failed.output(RESULT_NODE_NAME)).toEqual([]);
		const jobs = savedWaitState(failed).jobs!;
		expect(jobs[`1:${slow}`]).toEqual({ jobId: slow, itemIndex: 1, checks: 4, lastPollAt: T0 + 3 * MINUTE, transientFailures: 0, unreadableAnswers: 0, completed: true, downloadFailures: 1 });
		expect(Object.keys(jobs[`0:${quick}`]).sort()).toEqual(['checks', 'completed', 'downloadFailures', 'itemIndex', 'jobId', 'lastPollAt', 'outputUrl', 'outputUrlAt', 'transientFailures', 'unreadableAnswers']);

		jest.setSystemTime(T0 + 4 * MINUTE);
		const done = await run([quick, slow], failed);
		expect(done.run.waitTill).toBeUndefined();
		expect(pollTimes(slow)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE, 4 * MINUTE]);
		expect(pollTimes(quick)).toEqual([0, MINUTE, 2 * MINUTE]);
		expect(downloads(slow)).toEqual([
			[3 * MINUTE, 404],
			[4 * MINUTE, 200],
		]);
		expect(downloads(quick)).toEqual([
			[3 * MINUTE, 200],
			[4 * MINUTE, 200],
		]);
		expect(jsonOf(done, RESULT_NODE_NAME).map((json) => [json.job_id, json.state])).toEqual([
			[quick, 'completed'],
			[slow, 'completed'],
		]);
	});

	it('under Continue On Fail, gives up on a job whose results cannot be downloaded 5 times in a row; the other job\'s results come through', async () => {
		const { quick, slow, result: parked } = await quickDoneSlowRunning({}, true);
		emulator.addFault({ match: { endpoint: 'results', jobId: quick }, fault: { type: 'http', status: 404 } });
		const done = await runToEnd([quick, slow], parked, {}, true);
		expect(done.error).toBeUndefined();
		// Minute 3: the quick job was due, so its link is refreshed at once and fails again; then once a minute.
		expect(downloads(quick)).toEqual([3, 3, 4, 5, 6].map((m) => [m * MINUTE, 404]));
		expect(pollTimes(quick)).toEqual([0, 1, 2, 3, 4, 5, 6].map((m) => m * MINUTE));
		// Fetched at minute 3 and dropped while the quick job waited for a fresh link, fetched again at the end.
		expect(downloads(slow)).toEqual([
			[3 * MINUTE, 200],
			[6 * MINUTE, 200],
		]);
		const [failed, ok] = done.output(RESULT_NODE_NAME)[0];
		expect(failed).toEqual({
			json: {
				job_id: quick,
				state: 'completed',
				item_index: 0,
				error: `Roboflow's storage answered HTTP 404 (NoSuchKey) while downloading the results of job ${quick}`,
				description: expect.stringMatching(new RegExp(`Job ${quick} itself completed at Roboflow: fetch its results later with Get Status \\(Download Results on\\)\\.$`)),
			},
			pairedItem: { item: 0 },
		});
		expect(ok).toMatchObject({ json: { job_id: slow, state: 'completed', frames_inferred: expect.any(Number) }, pairedItem: { item: 1 } });
	});

	it('at Max Wait Time, reports a completed job whose results could not be fetched as completed', async () => {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		const [jobId] = await startJobs(1);
		emulator.addFault({ match: { endpoint: 'results', jobId }, fault: { type: 'http', status: 404 } });
		const done = await runToEnd([jobId], await run([jobId], undefined, { maxWaitTime: 2 }), { maxWaitTime: 2 });
		expect(done.error?.message).toBe(`Gave up waiting after 2 minutes: job ${jobId} completed but its results could not be fetched`);
		expect(pollTimes(jobId)).toEqual([0, MINUTE, 2 * MINUTE]);
		expect(downloads(jobId)).toEqual([0, 1, 2].map((m) => [m * MINUTE, 404]));
	});

	it('drops the finished outputs a state saved by an earlier version kept, and checks the job again', async () => {
		emulator.configure({ processing: { fixedSeconds: 30 } });
		const [jobId] = await startJobs(1);
		const first = await run([jobId]);
		// As the previous version saved a finished job: its output items in the state.
		const data = parse(first.saved) as IRunExecutionData;
		const state = data.executionData!.contextData[`node:${CHECK_NODE_NAME}`] as WaitState;
		Object.assign(state.jobs![`0:${jobId}`], { done: true, output: [{ json: { job_id: jobId, stale: true } }] });
		jest.setSystemTime(T0 + MINUTE);
		const done = await run([jobId], { ...first, saved: stringify(data) });
		expect(done.run.waitTill).toBeUndefined();
		expect(pollTimes(jobId)).toEqual([0, MINUTE]);
		expect(jsonOf(done, RESULT_NODE_NAME)).toEqual([expect.objectContaining({ job_id: jobId, state: 'completed', frames_inferred: expect.any(Number) })]);
		expect(savedWaitState(done).jobs![`0:${jobId}`]).toEqual({
			jobId,
			itemIndex: 0,
			checks: 2,
			lastPollAt: T0 + MINUTE,
			transientFailures: 0,
			unreadableAnswers: 0,
			completed: true,
			outputUrl: expect.any(String),
			outputUrlAt: T0 + MINUTE,
			downloadFailures: 0,
		});
	});

	it('fails the node on a failed job, naming the job, its status code and Roboflow\'s message', async () => {
		emulator.configure({ processing: { fixedSeconds: 30 } });
		const [jobId] = await startJobs(1);
		emulator.addFault({ match: { jobId }, fault: { type: 'jobFailed', status: 2, message: 'infer_fps exceeds the video frame rate' } });
		let result = await run([jobId]);
		jest.setSystemTime(T0 + MINUTE);
		result = await run([jobId], result);
		expect(result.error?.message).toBe(`Roboflow job ${jobId} failed (status 2): infer_fps exceeds the video frame rate (InjectedFailure)`);
		// The advice fits what failed: here the frame rate, not the models.
		expect((result.error as { description?: string }).description).toMatch(/^Set Inference FPS to at most the video's own frame rate/);
	});

	it('under Continue On Fail, a failed job fails only its own item', async () => {
		emulator.configure({ processing: { fixedSeconds: 30 } });
		const [bad, good] = await startJobs(2);
		emulator.addFault({ match: { jobId: bad }, fault: { type: 'jobFailed', status: 3, message: 'Model crashed' } });
		let result = await run([bad, good], undefined, {}, true);
		jest.setSystemTime(T0 + MINUTE);
		result = await run([bad, good], result, {}, true);
		expect(result.error).toBeUndefined();
		const [failed, done] = result.output(RESULT_NODE_NAME)[0];
		expect(failed).toMatchObject({ json: { job_id: bad, state: 'failed', item_index: 0, error: expect.stringContaining('failed (status 3): Model crashed') }, pairedItem: { item: 0 } });
		expect(done).toMatchObject({ json: { job_id: good, state: 'completed' }, pairedItem: { item: 1 } });
	});

	it('gives up after Max Wait Time with an error that names the job and how to pick it up again', async () => {
		emulator.configure({ processing: { fixedSeconds: 3600 } });
		const [jobId] = await startJobs(1);
		let result = await run([jobId], undefined, { maxWaitTime: 2 });
		for (let minute = 1; result.run.waitTill && minute < 5; minute++) {
			jest.setSystemTime(T0 + minute * MINUTE);
			result = await run([jobId], result, { maxWaitTime: 2 });
		}
		expect(result.error?.message).toBe(`Gave up waiting after 2 minutes: job ${jobId} still running`);
		expect(result.error?.description).toMatch(/Get Status or another Wait For Result/);
	});

	it('checks the job only once per interval even when n8n resumes the step several times at once', async () => {
		emulator.configure({ processing: { fixedSeconds: 150 } });
		const [jobId] = await startJobs(1);
		const first = await run([jobId]);
		jest.setSystemTime(T0 + 30_000);
		const again = await run([jobId], first);
		const yetAgain = await run([jobId], again);
		expect(yetAgain.run.waitTill?.getTime()).toBe(T0 + MINUTE);
		expect(pollTimes(jobId)).toEqual([0]);
		expect(yetAgain.run.data.resultData.lastNodeExecuted).toBe(CHECK_NODE_NAME);
	});
});

describe('Wait For Result: bad settings are refused before any call', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());

	it.each([
		[{ pollInterval: 30 }, /^Item 1: Poll Interval must be at least 60 seconds, not 30/],
		[{ maxWaitTime: 0 }, /^Item 1: Max Wait Time must be a positive number of minutes, not 0/],
		[{ jobId: '={{ $json.job_id }}' }, /^Item 1: Job ID is empty/],
	])('%j', async (parameters, message) => {
		const result = await runWorkflow(chain([{}], [{ name: 'Wait', parameters: { operation: 'waitForResult', jobId: 'abc', ...parameters } }]), {
			credentials: credentialsFor(emulator),
		});
		expect(result.error?.message).toMatch(message);
		expect(emulator.requests).toEqual([]);
	});
});
