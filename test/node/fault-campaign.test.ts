/**
 * The fault campaign: every endpoint x fault kind x operation, run against the emulator with
 * the real node inside n8n-core, each case with its expected outcome written down in
 * campaign/cases.ts. At its end it reports the cases run and the leaks, silently wrong results
 * and hangs it found, and fails unless all three are zero.
 */
import type { IDataObject, INode } from 'n8n-workflow';
import { LoggerProxy } from 'n8n-workflow';

import { buildInlineWaitWorkflow, RESULT_NODE_NAME } from '../../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import { DEFAULT_ANALYTICS } from '../../nodes/RoboflowVideo/results/analytics/analytics';
import { summarise } from '../../nodes/RoboflowVideo/results/summary';
import type { RoboflowEmulator } from '../emulator/server';
import { ROBOFLOW_NODE_TYPE, runWorkflow, type RunResult } from '../harness/in-process-n8n';
import { BAD_RESULTS, generalCases, STATUS_ANSWERS, type Expected, type FaultCase, type Operation } from './campaign/cases';
import { findLeaks, tally, visibleText } from './campaign/tally';
import { chain, credentialsFor, emulatorForTests, jsonOf, model, RPS_MODEL, SAMPLE_MP4, SECRET_KEY, startJobDirectly, uploadSample, waitSettings, withPolicy } from './helpers';

/** Short deadlines so that hangs and trickles cost well under a second per attempt. */
const CAMPAIGN_POLICY = { apiDeadlineMs: 700, transferBaseMs: 700, minBytesPerSecond: 1e9, backoffMs: [5, 10, 20], maxRetryAfterMs: 2_000 };
/** A case that takes longer than this has hung, whatever it ends with. */
const HANG_BUDGET_MS = 15_000;
const T0 = new Date('2026-11-25T10:00:00Z').getTime();

const logged: string[] = [];
LoggerProxy.init({
	error: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
	warn: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
	info: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
	debug: (m: string, meta?: object) => logged.push(`${m} ${JSON.stringify(meta ?? {})}`),
	verbose: () => undefined,
	scoped: function () {
		return this;
	},
} as unknown as Parameters<typeof LoggerProxy.init>[0]);

let emulator: RoboflowEmulator;

beforeAll(async () => {
	emulator = await emulatorForTests({ pollWindowMs: 0 });
});
afterAll(async () => {
	await emulator?.close();
	const line = `fault campaign: ${tally.cases} cases run, ${tally.passed} as expected; leaks: ${tally.leaks.length}, silently wrong results: ${tally.wrongResults.length}, hangs: ${tally.hangs.length}`;
	process.stdout.write(`\n${line}\n${[...tally.leaks, ...tally.wrongResults, ...tally.hangs].map((f) => `  - ${f}`).join('\n')}\n`);
});
beforeEach(() => {
	jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
	jest.setSystemTime(T0);
	emulator.reset();
	emulator.configure({ processing: { fixedSeconds: 0 }, pollWindowMs: 0 });
	logged.length = 0;
});
afterEach(() => jest.useRealTimers());

const userWait: INode = {
	id: 'wait',
	name: 'Wait For Result',
	type: ROBOFLOW_NODE_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: { operation: 'waitForResult' },
	credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } },
};

/** The wait's internal step, resumed at each due time until it hands over or fails. */
async function runWait(jobId: string, parameters: IDataObject): Promise<RunResult> {
	const sub = buildInlineWaitWorkflow(userWait, waitSettings({ pollInterval: 60, maxWaitTime: 60, callerNodeName: userWait.name, ...parameters }));
	let result: RunResult | undefined;
	for (let round = 0; round < 12; round++) {
		result = await runWorkflow(
			{ nodes: sub.nodes, connections: sub.connections },
			{ credentials: credentialsFor(emulator), startItems: [{ json: { job_id: jobId }, pairedItem: { item: 0 } }], resumeFrom: result?.saved, executionId: 'sub-1' },
		);
		if (!result.run.waitTill || result.error) break;
		jest.setSystemTime(result.run.waitTill.getTime());
	}
	return result as RunResult;
}

async function finishedJob(): Promise<string> {
	return await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL]);
}

/** Runs one operation; returns its run, the node whose output to read, and the job it was about. */
async function runOperation(operation: Operation): Promise<{ result: RunResult; node: string; jobId?: string }> {
	const credentials = credentialsFor(emulator);
	switch (operation) {
		case 'upload':
			return {
				result: await runWorkflow(chain([{}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } }], [{ item: 0, field: 'data', path: SAMPLE_MP4, fileName: 'sample.mp4', mimeType: 'video/mp4' }]), { credentials }),
				node: 'Step',
			};
		case 'start': {
			const url = await uploadSample(emulator);
			const parameters = { operation: 'startInference', videoUrl: url, inferFps: 6, models: { model: [model('rock-paper-scissors-presentation/4')] } };
			return { result: await runWorkflow(chain([{}], [{ name: 'Step', parameters }]), { credentials }), node: 'Step' };
		}
		case 'wait': {
			const jobId = await finishedJob();
			return { result: await runWait(jobId, { output: 'summary' }), node: RESULT_NODE_NAME, jobId };
		}
		default: {
			const jobId = await finishedJob();
			const extra = operation === 'status' ? {} : { downloadResults: true, output: operation === 'binary' ? 'binary' : 'summary', outputBinaryField: 'data' };
			return { result: await runWorkflow(chain([{}], [{ name: 'Step', parameters: { operation: 'getStatus', jobId, ...extra } }]), { credentials }), node: 'Step', jobId };
		}
	}
}

/** What the operation should have produced, read from the emulator directly (not through the node). */
async function truth(jobId: string): Promise<IDataObject> {
	const status = (await (await fetch(`${emulator.apiUrl}/videoinfer/?api_key=${SECRET_KEY}&job_id=${jobId}`)).json()) as { output_signed_url: string };
	// JSON.parse, not the node's streaming reader: the truth must not share the code it checks.
	return summarise(jobId, JSON.parse(await (await fetch(status.output_signed_url)).text()) as Record<string, unknown>, {}, DEFAULT_ANALYTICS);
}

/** Checks a successful run against the truth; returns what is wrong, if anything. */
async function wrongIn(operation: Operation, result: RunResult, node: string, jobId?: string): Promise<string | undefined> {
	const items = result.output(node)[0] ?? [];
	const json = items[0]?.json ?? {};
	if (items.length !== 1) return `${items.length} items instead of 1`;
	if (items[0].pairedItem && (items[0].pairedItem as { item: number }).item !== 0) return 'paired with an input item that does not exist';
	switch (operation) {
		case 'upload':
			return typeof json.input_url === 'string' && emulator.requests.some((r) => r.host === 'storage' && r.method === 'PUT' && r.status === 200) ? undefined : 'no stored upload';
		case 'start': {
			const jobs = emulator.jobs();
			if (jobs.length !== 1) return `${jobs.length} jobs started`;
			return json.job_id === jobs[0].id ? undefined : 'job id differs from the job started';
		}
		case 'status':
			return json.state === 'completed' && json.job_id === jobId ? undefined : `state ${String(json.state)}`;
		case 'binary': {
			const binary = items[0].binary?.data;
			return binary && Number(json.size_bytes) > 0 ? undefined : 'no results file';
		}
		default:
			return JSON.stringify(json) === JSON.stringify(await truth(jobId as string)) ? undefined : 'summary differs from the results file';
	}
}

function errorText(result: RunResult): string {
	return `${result.error?.message ?? ''}\n${String(result.error?.description ?? '')}`;
}

/** Runs a case against its expected outcome and records what it finds. */
async function check(name: string, expected: Expected, act: () => Promise<{ result: RunResult; node: string; jobId?: string }>, operation: Operation) {
	tally.cases++;
	let timer: NodeJS.Timeout | undefined;
	const outcome = await Promise.race([
		withPolicy(CAMPAIGN_POLICY, act),
		new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_BUDGET_MS))),
	]).finally(() => clearTimeout(timer));
	if (outcome === 'hang') {
		tally.hangs.push(`${name}: no end within ${HANG_BUDGET_MS / 1000} s`);
		throw new Error(`${name} hung`);
	}
	const { result, node, jobId } = outcome;
	const leaks = findLeaks(visibleText(result, [node], logged));
	if (leaks.length) tally.leaks.push(`${name}: ${leaks.join(', ')}`);
	expect(leaks).toEqual([]);
	if ('ok' in expected) {
		if (result.error) tally.wrongResults.push(`${name}: failed instead of succeeding: ${result.error.message}`);
		expect(result.error?.message).toBeUndefined();
		const wrong = await wrongIn(operation, result, node, jobId);
		if (wrong) tally.wrongResults.push(`${name}: ${wrong}`);
		expect(wrong).toBeUndefined();
	} else {
		if (!result.error) tally.wrongResults.push(`${name}: succeeded where it must fail`);
		expect(result.error).toBeDefined();
		for (const words of expected.error) expect(errorText(result)).toMatch(words);
		for (const words of expected.not ?? []) expect(errorText(result)).not.toMatch(words);
		if (operation === 'wait') expect(JSON.stringify((result.error as { node?: INode }).node?.name)).toBe('"Wait For Result"');
	}
	tally.passed++;
}

describe('fault campaign: every endpoint, fault kind and operation', () => {
	it.each(generalCases().map((c) => [c.name, c] as [string, FaultCase]))('%s', async (name, c) => {
		emulator.addFault(c.rule);
		await check(name, c.expected, () => runOperation(c.operation), c.operation);
	});
});

describe('fault campaign: status answers Roboflow\'s reference does not allow', () => {
	it.each(STATUS_ANSWERS.map((a) => [a.body, a] as const))('Get Status, answer %s', async (body, answer) => {
		const jobId = await finishedJob();
		emulator.addFault({ match: { endpoint: 'jobStatus' }, times: 1, fault: { type: 'respond', body } });
		const run = async () => ({ result: await runWorkflow(chain([{}], [{ name: 'Step', parameters: { operation: 'getStatus', jobId } }]), { credentials: credentialsFor(emulator) }), node: 'Step', jobId });
		if ('error' in answer.getStatus) return await check(`Get Status / ${body}`, answer.getStatus as Expected, run, 'status');
		tally.cases++;
		const { result } = await withPolicy(CAMPAIGN_POLICY, run);
		expect(findLeaks(visibleText(result, ['Step'], logged))).toEqual([]);
		expect(jsonOf(result, 'Step')[0]).toMatchObject({ job_id: jobId, ...answer.getStatus });
		tally.passed++;
	});

	it.each(STATUS_ANSWERS.map((a) => [a.body, a] as const))('Wait For Result, answer %s once', async (body, answer) => {
		const failed = 'state' in answer.getStatus && answer.getStatus.state === 'failed';
		const expected: Expected = failed ? { error: [/failed \(status 7\)/, /failed fetching/] } : { ok: true };
		await check(`Wait For Result / ${body} once`, expected, async () => {
			const jobId = await finishedJob();
			emulator.addFault({ match: { endpoint: 'jobStatus' }, times: 1, fault: { type: 'respond', body } });
			return { result: await runWait(jobId, { output: 'summary' }), node: RESULT_NODE_NAME, jobId };
		}, 'wait');
	});

	it('Get Status repeats a 429 only when Roboflow says when: without Retry-After it checks once', async () => {
		await check('Get Status / 429 without Retry-After', { error: [/HTTP 429/, /one status check per job per minute/] }, async () => {
			const jobId = await finishedJob();
			emulator.addFault({ match: { endpoint: 'jobStatus' }, fault: { type: 'http', status: 429 } });
			return { result: await runWorkflow(chain([{}], [{ name: 'Step', parameters: { operation: 'getStatus', jobId } }]), { credentials: credentialsFor(emulator) }), node: 'Step', jobId };
		}, 'status');
		expect(emulator.requests.filter((r) => r.path.startsWith('/videoinfer') && r.method === 'GET')).toHaveLength(1);
	});

	it('Park Execution hands One Item per Frame over as one item per job, so n8n\'s positional pairing holds', async () => {
		const jobs = [await finishedJob(), await finishedJob()];
		const sub = buildInlineWaitWorkflow(userWait, waitSettings({ output: 'perFrame' }));
		const result = await runWorkflow(
			{ nodes: sub.nodes, connections: sub.connections },
			{ credentials: credentialsFor(emulator), startItems: jobs.map((job_id, i) => ({ json: { job_id }, pairedItem: { item: i } })), executionId: 'sub-pairing' },
		);
		const items = result.output(RESULT_NODE_NAME)[0];
		expect(items.map((item) => item.json.job_id)).toEqual(jobs);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of items) {
			expect(item.json).toMatchObject({ state: 'completed', frame_count: (item.json.frames as unknown[]).length });
			expect((item.json.frames as Array<{ frame_index: number }>)[0]).toHaveProperty('frame_index');
		}
	});

	it('Wait For Result that reaches Max Wait Time with the results not yet fetched says the job completed', async () => {
		const jobId = await finishedJob();
		emulator.addFault({ match: { endpoint: 'results' }, fault: { type: 'http', status: 503 } });
		const result = await withPolicy(CAMPAIGN_POLICY, () => runWait(jobId, { output: 'summary', maxWaitTime: 2 }));
		expect(result.error?.message).toBe(`Gave up waiting after 2 minutes: job ${jobId} completed but its results could not be fetched`);
	});

	it('Wait For Result gives up after five unreadable answers in a row, saying the job may still run', async () => {
		await check('Wait For Result / unreadable every time', { error: [/could not be read 5 times in a row/, /may still be running/] }, async () => {
			const jobId = await finishedJob();
			emulator.addFault({ match: { endpoint: 'jobStatus' }, fault: { type: 'respond', body: '<html><body>maintenance</body></html>', contentType: 'text/html' } });
			return { result: await runWait(jobId, { output: 'summary' }), node: RESULT_NODE_NAME, jobId };
		}, 'wait');
		expect(emulator.requests.filter((r) => r.endpoint === 'jobStatus' || r.path.startsWith('/videoinfer')).length).toBeGreaterThanOrEqual(5);
	});
});

describe('fault campaign: results files that are not what Roboflow writes', () => {
	const outputs = ['summary', 'perFrame', 'raw', 'binary'] as const;
	it.each(BAD_RESULTS.flatMap((bad) => outputs.map((output) => [bad.name, output, bad] as const)))('%s, Output %s', async (name, output, bad) => {
		const jobId = await finishedJob();
		emulator.addFault({ match: { endpoint: 'results' }, fault: { type: 'respond', body: bad.body, contentType: 'application/json' } });
		await check(`results ${name} / ${output}`, { error: [bad.words, new RegExp(jobId)] }, async () => ({
			result: await runWorkflow(chain([{}], [{ name: 'Step', parameters: { operation: 'getStatus', jobId, downloadResults: true, output, outputBinaryField: 'data' } }]), { credentials: credentialsFor(emulator) }),
			node: 'Step',
			jobId,
		}), 'summary');
	});
});

describe('fault campaign: the findings', () => {
	it('found no leak, no silently wrong result and no hang', () => {
		expect(tally.cases).toBeGreaterThanOrEqual(150);
		expect({ leaks: tally.leaks, wrongResults: tally.wrongResults, hangs: tally.hangs }).toEqual({ leaks: [], wrongResults: [], hangs: [] });
	});
});
