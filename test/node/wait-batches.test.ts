/**
 * Wait For Result on a batch of jobs in which some end without results: On Job Failure decides
 * between one error that lists every item (Stop Workflow) and every item out, the failed ones
 * as error items (Output Failed Items); either way the other jobs are waited for. Park
 * Execution runs its internal step through n8n-core as the node builds it (as in
 * wait-for-result.test.ts); Keep Execution Running runs the user's node itself.
 *
 * Secrets are looked for where the fault campaign looks (outputs, the error): the saved
 * execution holds the completed jobs' results links in the step's state by design.
 */
import type { IDataObject, INode } from 'n8n-workflow';

import { ERROR_ITEM_FIELDS } from '../../nodes/RoboflowVideo/actions/shared/errorItem';
import { buildInlineWaitWorkflow, RESULT_NODE_NAME } from '../../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import type { OnJobFailure } from '../../nodes/RoboflowVideo/actions/waitForResult/settings';
import type { RoboflowEmulator } from '../emulator/server';
import { ROBOFLOW_NODE_TYPE, runWorkflow, type RunResult } from '../harness/in-process-n8n';
import { findLeaks, visibleText } from './campaign/tally';
import { chain, credentialsFor, emulatorForTests, RPS_MODEL, startJobDirectly, uploadSample, waitSettings } from './helpers';

const T0 = new Date('2026-11-22T10:00:00Z').getTime();
const MINUTE = 60_000;

/** Roboflow's message for the failing job: leak bait, the key and a signed URL that must never show. */
const CRASH = 'Model crashed; key {{apiKey}}, see {{signedUrl}}';
/** The node's message for that job: the key and the signature redacted (the emulator adds the error type in brackets). */
const crashSource = (jobId: string) =>
	`Roboflow job ${jobId} failed \\(status 3\\): Model crashed; key \\[redacted\\], see http://127\\.0\\.0\\.1:\\d+/[^?\\s]+/${jobId}/results\\.json\\?\\[signature redacted\\] \\(InjectedFailure\\)`;

/** The sample video is 4 s long: a job with one model takes 70 s, with three models 150 s. */
const PROCESSING = { baseSeconds: 30, secondsPerVideoSecondPerModel: 10 };
const EXTRA_MODELS = [
	{ model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
	{ model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
];

const userNode = (continueOnFail: boolean): INode => ({
	id: 'parent',
	name: 'Wait For Result',
	type: ROBOFLOW_NODE_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: { operation: 'waitForResult' },
	credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } },
	...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
});

/** The description's list of items: its last `count` lines. */
const itemLines = (result: RunResult, count: number) => String(result.error?.description).split('\n').slice(-count);
/** The description's lines before the list: what to do. */
const adviceLines = (result: RunResult, count: number) => String(result.error?.description).split('\n').slice(0, -count);

interface Batch {
	ids: string[];
	/** Items whose job fails at Roboflow (after 70 s). */
	failing: number[];
}

describe('Wait For Result on a batch with failed jobs', () => {
	let emulator: RoboflowEmulator;
	let videoUrl: string;

	beforeAll(async () => {
		emulator = await emulatorForTests({ pollWindowMs: MINUTE });
	});
	afterAll(async () => await emulator.close());

	/**
	 * Starts one job per entry of `models` (1: done at 70 s, 3: at 150 s); the `failing` ones
	 * end failed at Roboflow instead. One upload serves every job.
	 */
	async function startBatch(models: number[], failing: number[]): Promise<Batch> {
		const ids: string[] = [];
		for (const count of models) ids.push(await startJobDirectly(emulator, videoUrl, [RPS_MODEL, ...EXTRA_MODELS.slice(0, count - 1)]));
		for (const i of failing) emulator.addFault({ match: { jobId: ids[i] }, fault: { type: 'jobFailed', status: 3, message: CRASH } });
		return { ids, failing };
	}

	/** The minute of each status check (Keep Execution Running's clock moves on a second at a time). */
	const pollMinutes = (jobId: string) => emulator.statusPolls(jobId).map((r) => Math.floor((r.at - T0) / MINUTE));
	const downloadMinutes = (jobId: string) =>
		emulator.requests.filter((r) => r.endpoint === 'results' && r.path.endsWith(`/${jobId}/results.json`)).map((r) => [(r.at - T0) / MINUTE, r.status]);

	/** The error item of a job that failed at Roboflow, exactly. */
	const failedItem = (jobId: string, itemIndex: number) => ({
		json: {
			job_id: jobId,
			state: 'failed',
			item_index: itemIndex,
			error: expect.stringMatching(new RegExp(`^${crashSource(jobId)}$`)),
			description: expect.stringMatching(/^A model could not run on this video\./),
		},
		pairedItem: { item: itemIndex },
	});

	describe('Park Execution', () => {
		beforeEach(async () => {
			jest.useFakeTimers({
				doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
			});
			jest.setSystemTime(T0);
			emulator.reset();
			emulator.configure({ outputUrlTtlSeconds: 3_600, processing: PROCESSING });
			videoUrl = await uploadSample(emulator);
		});
		afterEach(() => jest.useRealTimers());

		/** The internal step with these settings, resumed at each due time until it hands over or fails. */
		async function waitFor(ids: string[], onJobFailure: OnJobFailure, extra: { maxWaitTime?: number; continueOnFail?: boolean } = {}) {
			const sub = buildInlineWaitWorkflow(userNode(extra.continueOnFail ?? false), { ...waitSettings({ maxWaitTime: extra.maxWaitTime ?? 360 }), onJobFailure });
			const runs: RunResult[] = [];
			for (let round = 0; round === 0 || (runs[round - 1].run.waitTill && !runs[round - 1].error); round++) {
				expect(round).toBeLessThan(12);
				if (round) jest.setSystemTime(runs[round - 1].run.waitTill!.getTime());
				runs.push(
					await runWorkflow(
						{ nodes: sub.nodes, connections: sub.connections },
						{
							credentials: credentialsFor(emulator),
							startItems: ids.map((job_id, i) => ({ json: { job_id }, pairedItem: { item: i } })),
							resumeFrom: runs[round - 1]?.saved,
							executionId: 'sub-1',
						},
					),
				);
			}
			return { result: runs[runs.length - 1], runs };
		}

		it.each([
			['Output Failed Items With an Error Field', 'outputFailedItems', false],
			['Stop Workflow, with Continue On Fail on the node (as Output Failed Items)', 'stopWorkflow', true],
		] as const)('20 items, one job failed, %s: 20 items out, 19 with results, in input order', async (_, onJobFailure, continueOnFail) => {
			const models = Array.from({ length: 20 }, (__, i) => (i === 6 ? 1 : 3));
			const { ids } = await startBatch(models, [6]);
			const { result, runs } = await waitFor(ids, onJobFailure, { continueOnFail });

			expect(result.error).toBeUndefined();
			expect(result.run.status).toBe('success');
			// Rounds at minutes 0 to 3: the failure (seen at minute 2) did not end the wait for the others.
			expect(runs.map((r) => r.run.waitTill && (r.run.waitTill.getTime() - T0) / MINUTE)).toEqual([1, 2, 3, undefined]);
			const items = result.output(RESULT_NODE_NAME)[0];
			expect(items).toHaveLength(20);
			expect(items[6]).toEqual(failedItem(ids[6], 6));
			expect(Object.keys(items[6].json).sort()).toEqual([...ERROR_ITEM_FIELDS].sort());
			const finished = items.filter((__, i) => i !== 6);
			expect(finished.map((item) => [item.json.job_id, item.json.state, item.pairedItem])).toEqual(
				ids.flatMap((id, i) => (i === 6 ? [] : [[id, 'completed', { item: i }]])),
			);
			for (const item of finished) {
				expect(item.json.frames_inferred).toBeGreaterThan(0);
				expect(Object.keys(item.json.models as object).sort()).toEqual(['clip', 'gaze', 'rock-paper-scissors-presentation']);
			}
			expect(pollMinutes(ids[6])).toEqual([0, 1, 2]);
			for (const id of ids.filter((__, i) => i !== 6)) {
				expect(pollMinutes(id)).toEqual([0, 1, 2, 3]);
				expect(downloadMinutes(id)).toEqual([[3, 200]]);
			}
			expect(downloadMinutes(ids[6])).toEqual([]);
			expect(findLeaks(visibleText(result, [RESULT_NODE_NAME], []))).toEqual([]);
		});

		it('20 items, one job failed, Stop Workflow: waits for the other 19, then fails once, listing all 20 items\' job IDs and states', async () => {
			const models = Array.from({ length: 20 }, (__, i) => (i === 6 ? 1 : 3));
			const { ids } = await startBatch(models, [6]);
			const { result, runs } = await waitFor(ids, 'stopWorkflow');

			expect(runs.map((r) => [r.run.waitTill && (r.run.waitTill.getTime() - T0) / MINUTE, r.error?.message])).toEqual([
				[1, undefined],
				[2, undefined],
				[3, undefined],
				[undefined, '1 of 20 jobs failed'],
			]);
			expect((result.error as { node?: INode }).node?.name).toBe('Wait For Result');
			const lines = itemLines(result, 20);
			expect(lines.filter((__, i) => i !== 6)).toEqual(ids.flatMap((id, i) => (i === 6 ? [] : [`Item ${i + 1}: job ${id}: completed.`])));
			expect(lines[6]).toMatch(new RegExp(`^Item 7: job ${ids[6]}: failed \\(${crashSource(ids[6])}\\)\\.$`));
			expect(adviceLines(result, 20)).toEqual([
				'The results of the 19 completed jobs are not output: fetch them by job ID with Get Status (Download Results on), or set On Job Failure to Output Failed Items With an Error Field to get every item, the failed ones marked.',
				expect.stringMatching(/^Failed: A model could not run on this video\./),
			]);
			// Every job was waited for; no results were fetched only to be thrown away.
			for (const id of ids.filter((__, i) => i !== 6)) expect(pollMinutes(id)).toEqual([0, 1, 2, 3]);
			expect(emulator.requests.filter((r) => r.endpoint === 'results')).toEqual([]);
			expect(findLeaks(visibleText(result, [RESULT_NODE_NAME], []))).toEqual([]);
		});

		/** Batches at Max Wait Time 2: jobs with 3 models are still running then. */
		it.each([
			{
				name: 'one job still running at Max Wait Time',
				models: [1, 3, 1],
				failing: [],
				message: 'Gave up waiting after 2 minutes: 1 of 3 jobs still running',
				states: ['completed', 'still running', 'completed'],
				advice: [
					'The results of the 2 completed jobs are not output: fetch them by job ID with Get Status (Download Results on), or set On Job Failure to Output Failed Items With an Error Field to get every item, the failed ones marked.',
					'Still running: The jobs go on at Roboflow. Pick them up later with Get Status or another Wait For Result on the same job ID, or raise Max Wait Time.',
				],
			},
			{
				name: 'one job failed and one still running',
				models: [1, 3, 1, 1],
				failing: [0],
				message: 'Gave up waiting after 2 minutes: 1 of 4 jobs failed, 1 still running',
				states: ['failed', 'still running', 'completed', 'completed'],
				advice: [
					'The results of the 2 completed jobs are not output: fetch them by job ID with Get Status (Download Results on), or set On Job Failure to Output Failed Items With an Error Field to get every item, the failed ones marked.',
					expect.stringMatching(/^Failed: A model could not run on this video/),
					'Still running: The jobs go on at Roboflow. Pick them up later with Get Status or another Wait For Result on the same job ID, or raise Max Wait Time.',
				],
			},
			{
				name: 'every job failed',
				models: [1, 1],
				failing: [0, 1],
				message: '2 of 2 jobs failed',
				states: ['failed', 'failed'],
				advice: ['No job completed.', expect.stringMatching(/^Failed: A model could not run on this video/)],
			},
		])('Stop Workflow, $name: one error with every item', async ({ models, failing, message, states, advice }) => {
			const { ids } = await startBatch(models, failing);
			const { result } = await waitFor(ids, 'stopWorkflow', { maxWaitTime: 2 });
			expect(result.error?.message).toBe(message);
			expect(itemLines(result, ids.length).map((line) => line.replace(/ \(Roboflow job .*\)\.$/, '.'))).toEqual(
				ids.map((id, i) => `Item ${i + 1}: job ${id}: ${states[i]}.`),
			);
			expect(adviceLines(result, ids.length)).toEqual(advice);
			expect(emulator.requests.filter((r) => r.endpoint === 'results')).toEqual([]);
			expect(findLeaks(visibleText(result, [RESULT_NODE_NAME], []))).toEqual([]);
		});

		it('Output Failed Items, a job still running at Max Wait Time: every item out, the running one as an error item', async () => {
			const { ids } = await startBatch([1, 3, 1], []);
			const { result } = await waitFor(ids, 'outputFailedItems', { maxWaitTime: 2 });
			expect(result.error).toBeUndefined();
			const items = result.output(RESULT_NODE_NAME)[0];
			expect(items.map((item) => [item.json.job_id, item.json.state, item.pairedItem])).toEqual([
				[ids[0], 'completed', { item: 0 }],
				[ids[1], 'processing', { item: 1 }],
				[ids[2], 'completed', { item: 2 }],
			]);
			expect(items[1].json).toEqual({
				job_id: ids[1],
				state: 'processing',
				item_index: 1,
				error: `Gave up waiting after 2 minutes: job ${ids[1]} still running`,
				description: 'The jobs go on at Roboflow. Pick them up later with Get Status or another Wait For Result on the same job ID, or raise Max Wait Time.',
			});
			for (const i of [0, 2]) expect(items[i].json.frames_inferred).toBeGreaterThan(0);
		});

		it('Stop Workflow, a completed job whose results cannot be downloaded 5 times in a row: listed as completed, results not fetched', async () => {
			const { ids } = await startBatch([1, 3], []);
			emulator.addFault({ match: { endpoint: 'results', jobId: ids[0] }, fault: { type: 'http', status: 404 } });
			const { result } = await waitFor(ids, 'stopWorkflow');
			expect(result.error?.message).toBe('1 of 2 jobs failed');
			expect(itemLines(result, 2)).toEqual([
				`Item 1: job ${ids[0]}: completed, results not fetched (Roboflow's storage answered HTTP 404 (NoSuchKey) while downloading the results of job ${ids[0]}).`,
				`Item 2: job ${ids[1]}: completed.`,
			]);
			expect(adviceLines(result, 2)).toEqual([
				'The results of the 1 completed job are not output: fetch them by job ID with Get Status (Download Results on), or set On Job Failure to Output Failed Items With an Error Field to get every item, the failed ones marked.',
				expect.stringMatching(new RegExp(`^Completed, results not fetched: .*Job ${ids[0]} itself completed at Roboflow: fetch its results later with Get Status \\(Download Results on\\)\\.$`)),
			]);
			// As under Output Failed Items, the link is refreshed and the download tried again, once a minute.
			expect(downloadMinutes(ids[0])).toEqual([3, 3, 4, 5, 6].map((m) => [m, 404]));
			// Fetched at minute 3 while the other job waited for a fresh link; not again only to be discarded.
			expect(downloadMinutes(ids[1])).toEqual([[3, 200]]);
		});

		it('a single job that fails, Stop Workflow: its own error, as before batches were counted', async () => {
			const { ids } = await startBatch([1], [0]);
			const { result } = await waitFor(ids, 'stopWorkflow');
			expect(result.error?.message).toMatch(new RegExp(`^${crashSource(ids[0])}$`));
			expect(result.error?.description).toMatch(/^A model could not run on this video\./);
			expect((result.error as { node?: INode }).node?.name).toBe('Wait For Result');
		});
	});

	describe('Keep Execution Running (the user\'s node)', () => {
		const realSetTimeout = global.setTimeout;
		const realDelay = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

		beforeEach(async () => {
			emulator.reset();
			emulator.configure({ outputUrlTtlSeconds: 3_600, processing: PROCESSING });
			videoUrl = await uploadSample(emulator);
			jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
			jest.setSystemTime(T0);
		});
		afterEach(() => jest.useRealTimers());

		/** Lets faked time pass in one-second steps, giving real I/O a moment between them, until the run ends. */
		async function runToEnd(running: Promise<RunResult>): Promise<RunResult> {
			let settled = false;
			void running.finally(() => (settled = true)).catch(() => undefined);
			for (let passed = 0; !settled && passed < 10 * MINUTE; passed += 1_000) {
				await realDelay(2);
				await jest.advanceTimersByTimeAsync(1_000);
			}
			return await running;
		}

		/** Source (one item per job) → Wait For Result; the settings are expressions that give every item the same value. */
		const waitStep = (ids: string[], onJobFailure: OnJobFailure) =>
			chain(
				ids.map((job_id) => ({ job_id, wait: 360, failure: onJobFailure })),
				[{ name: 'Wait', parameters: { operation: 'waitForResult', waitMode: 'keepRunning', jobId: '={{ $json.job_id }}', maxWaitTime: '={{ $json.wait }}', onJobFailure: '={{ $json.failure }}' } }],
			);

		it.each(['outputFailedItems', 'stopWorkflow'] as const)('20 items, one job failed, On Job Failure %s', async (onJobFailure) => {
			const { ids } = await startBatch(Array.from({ length: 20 }, (__, i) => (i === 13 ? 1 : 3)), [13]);
			const result = await runToEnd(runWorkflow(waitStep(ids, onJobFailure), { credentials: credentialsFor(emulator) }));
			for (const id of ids.filter((__, i) => i !== 13)) expect(pollMinutes(id)).toEqual([0, 1, 2, 3]);
			expect(findLeaks(visibleText(result, ['Wait'], []))).toEqual([]);
			if (onJobFailure === 'stopWorkflow') {
				expect(result.error?.message).toBe('1 of 20 jobs failed');
				expect((result.error as { node?: INode }).node?.name).toBe('Wait');
				expect(itemLines(result, 20).map((line) => line.replace(/ \(Roboflow job .*\)\.$/, '.'))).toEqual(
					ids.map((id, i) => `Item ${i + 1}: job ${id}: ${i === 13 ? 'failed' : 'completed'}.`),
				);
				return;
			}
			expect(result.error).toBeUndefined();
			const items = result.output('Wait')[0];
			expect(items).toHaveLength(20);
			expect(items[13]).toEqual(failedItem(ids[13], 13));
			expect(items.map((item) => [item.json.job_id, item.pairedItem])).toEqual(ids.map((id, i) => [id, { item: i }]));
			expect(items.filter((item) => item.json.state === 'completed' && Number(item.json.frames_inferred) > 0)).toHaveLength(19);
		});

		it('Output Failed Items makes an item without a job ID an error item instead of refusing the batch', async () => {
			const { ids } = await startBatch([1], []);
			const workflow = chain([{ job_id: ids[0] }, { job_id: '' }], [{ name: 'Wait', parameters: { operation: 'waitForResult', waitMode: 'keepRunning', jobId: '={{ $json.job_id }}', onJobFailure: 'outputFailedItems' } }]);
			const result = await runToEnd(runWorkflow(workflow, { credentials: credentialsFor(emulator) }));
			expect(result.error).toBeUndefined();
			const items = result.output('Wait')[0];
			expect(items.map((item) => [item.json.job_id, item.json.state, item.pairedItem])).toEqual([
				[ids[0], 'completed', { item: 0 }],
				[null, 'invalid', { item: 1 }],
			]);
			expect(items[1].json.error).toBe('Item 2: Job ID is empty');
		});
	});
});

describe('Wait For Result: settings are one wait\'s, the same for every item', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	const items = (values: IDataObject[]) => values.map((v, i) => ({ job: `good-job-${i + 1}`, ...v }));

	it.each<[string, IDataObject, IDataObject[], string]>([
		['Max Wait Time', { maxWaitTime: '={{ $json.v }}' }, [{ v: 360 }, { v: 360 }, { v: 30 }], 'Item 3: Max Wait Time is 30, not 360 as for item 1'],
		['Poll Interval', { pollInterval: '={{ $json.v }}' }, [{ v: 60 }, { v: 120 }], 'Item 2: Poll Interval is 120, not 60 as for item 1'],
		['Wait Mode', { waitMode: '={{ $json.v }}' }, [{ v: 'park' }, { v: 'keepRunning' }], 'Item 2: Wait Mode is "keepRunning", not "park" as for item 1'],
		['On Job Failure', { onJobFailure: '={{ $json.v }}' }, [{ v: 'stopWorkflow' }, { v: 'outputFailedItems' }], 'Item 2: On Job Failure is "outputFailedItems", not "stopWorkflow" as for item 1'],
		['Output', { output: '={{ $json.v }}' }, [{ v: 'summary' }, { v: 'raw' }], 'Item 2: Output is "raw", not "summary" as for item 1'],
		['a result option', { resultOptions: { classes: '={{ $json.v }}' } }, [{ v: 'person' }, { v: 'car' }], 'Item 2: Result Options → Classes is "car", not "person" as for item 1'],
		['a result option only one item sets', { resultOptions: { zone: '={{ $json.v }}' } }, [{ v: '' }, { v: '0,0 1,0 1,1' }], 'Item 2: Result Options → Zone is "0,0 1,0 1,1", not empty as for item 1'],
	])('refuses a batch whose items give different values for %s, before any request', async (_, parameters, values, message) => {
		const result = await runWorkflow(chain(items(values), [{ name: 'Wait', parameters: { operation: 'waitForResult', jobId: '={{ $json.job }}', ...parameters } }]), {
			credentials: credentialsFor(emulator),
		});
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toBe(
			'Wait For Result waits for all its items\' jobs together, so Wait Mode, Poll Interval, Max Wait Time, On Job Failure, Output and Result Options apply to all items: they are read from the first item. Make the expression give the same value for every item, or send the items that need other settings to another Wait For Result node (e.g. through a Switch node).',
		);
		expect(emulator.requests).toEqual([]);
	});

	it('checks each item\'s value as it checks the first item\'s', async () => {
		const result = await runWorkflow(chain(items([{ v: 360 }, { v: 0 }]), [{ name: 'Wait', parameters: { operation: 'waitForResult', jobId: '={{ $json.job }}', maxWaitTime: '={{ $json.v }}' } }]), {
			credentials: credentialsFor(emulator),
		});
		expect(result.error?.message).toBe('Item 2: Max Wait Time must be a positive number of minutes, not 0');
		expect(emulator.requests).toEqual([]);
	});
});
