/**
 * park(), in process: what the user's node hands n8n when it parks. The sub-workflow itself runs
 * in wait-for-result.test.ts; a real n8n runs both in test/e2e.
 */
import type { IExecuteFunctions, INode, INodeExecutionData, IWorkflowBase } from 'n8n-workflow';

import { CHECK_NODE_NAME, LOOP_NODE_NAME, RESULT_NODE_NAME, START_NODE_NAME } from '../../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import { park } from '../../nodes/RoboflowVideo/actions/waitForResult/park';
import { decodeWaitSettings } from '../../nodes/RoboflowVideo/actions/waitForResult/settings';
import { ROBOFLOW_NODE_TYPE } from '../harness/in-process-n8n';
import { waitSettings } from './helpers';

const userNode: INode = {
	id: 'u',
	name: 'Wait For Result',
	type: ROBOFLOW_NODE_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
	credentials: { roboflowApi: { id: 'c1', name: 'Roboflow' } },
	onError: 'continueRegularOutput',
};

function fakeContext(answer: { data?: Array<INodeExecutionData[] | null>; waitTill?: Date }) {
	const calls: Array<{ workflow: IWorkflowBase; items: INodeExecutionData[]; options: unknown }> = [];
	const ctx = {
		getNode: () => userNode,
		getExecutionId: () => 'exec-7',
		getWorkflow: () => ({ id: 'wf-3' }),
		executeWorkflow: async (info: { code: IWorkflowBase }, items: INodeExecutionData[], _run: unknown, options: unknown) => {
			calls.push({ workflow: info.code, items, options });
			return answer;
		},
	} as unknown as IExecuteFunctions;
	return { ctx, calls };
}

describe('park()', () => {
	const settings = waitSettings({ pollInterval: 90, output: 'perFrame', resultOptions: { classes: 'Rock, Paper' } });

	it('starts the inline sub-workflow with one item per job, paired, under the parent to resume', async () => {
		const { ctx, calls } = fakeContext({ data: [[]] });
		await park.call(ctx, ['job-a', 'job-b'], settings);
		expect(calls).toHaveLength(1);
		const [{ workflow, items, options }] = calls;
		expect(items).toEqual([
			{ json: { job_id: 'job-a' }, pairedItem: { item: 0 } },
			{ json: { job_id: 'job-b' }, pairedItem: { item: 1 } },
		]);
		expect(options).toEqual({ parentExecution: { executionId: 'exec-7', workflowId: 'wf-3', shouldResume: true } });
		expect((workflow as { id?: string }).id).toBeUndefined();
		expect(workflow.settings).toMatchObject({ callerPolicy: 'workflowsFromSameOwner' });
		// A failed internal run hands its error to the user's node and is not kept: one failed row.
		expect(workflow.settings).toMatchObject({ saveDataErrorExecution: 'none' });
		// Names a person reads in the executions list.
		expect(workflow.nodes.map((n) => n.name)).toEqual([START_NODE_NAME, CHECK_NODE_NAME, LOOP_NODE_NAME, RESULT_NODE_NAME]);
		expect(CHECK_NODE_NAME).toBe('Check job status (once a minute)');
		// About 24 characters show in the canvas's labels and the Logs list.
		for (const name of [START_NODE_NAME, LOOP_NODE_NAME, RESULT_NODE_NAME]) expect(name.length).toBeLessThanOrEqual(25);
	});

	it.each([
		['Output Failed Items', { ...settings, onJobFailure: 'outputFailedItems' as const }, 'outputFailedItems'],
		['Stop Workflow', { ...settings, onJobFailure: 'stopWorkflow' as const }, 'stopWorkflow'],
		// As a sub-workflow saved by a version before On Job Failure: it stops the workflow, as then.
		['no On Job Failure (an older version)', settings, 'stopWorkflow'],
	])('hands the check step the settings as one value, with the user\'s credentials and error handling (%s)', async (_, handed, onJobFailure) => {
		const { ctx, calls } = fakeContext({ data: [[]] });
		await park.call(ctx, ['job-a'], handed);
		const check = calls[0].workflow.nodes.find((n) => n.type === ROBOFLOW_NODE_TYPE)!;
		expect(check.credentials).toEqual(userNode.credentials);
		expect(check.onError).toBe('continueRegularOutput');
		expect(Object.keys(check.parameters).sort()).toEqual(['jobId', 'operation', 'waitSettings']);
		const decoded = decodeWaitSettings({ getNode: () => check } as unknown as IExecuteFunctions, check.parameters.waitSettings);
		expect(decoded).toEqual({ ...settings, onJobFailure });
	});

	const item = (job_id: string) => ({ json: { job_id }, pairedItem: { item: 0 } });
	it.each([
		// Parked: the check step's two outputs (jobs still pending on the first) must not show as the
		// user's node's output: it has one, and nothing has left it yet.
		['nothing on one output while parked', { data: [[item('job-a')], []], waitTill: new Date('2999-01-01') }, [[]]],
		['nothing on one output while parked, no data', { data: undefined, waitTill: new Date('2999-01-01') }, [[]]],
		['the final output when the sub-workflow ended at once', { data: [[item('job-a')]] }, [[item('job-a')]]],
		['never null: a null output', { data: [null, null] }, [[]]],
		['never null: no data', { data: undefined }, [[]]],
	])('returns %s', async (_, answer, expected) => {
		const { ctx } = fakeContext(answer as { data?: Array<INodeExecutionData[] | null> });
		expect(await park.call(ctx, ['job-a'], settings)).toEqual(expected);
	});
});
