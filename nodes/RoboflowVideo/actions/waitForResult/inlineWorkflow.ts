import type { INode, IWorkflowBase } from 'n8n-workflow';

import { encodeWaitSettings, WAIT_SETTINGS_PARAMETER, type WaitSettings } from './settings';

/*
 * The names a person reads when opening the wait's internal run in n8n's executions list: what
 * each step is, at a glance, short enough for the canvas and the Logs list (about 24
 * characters show there). The check step's node context (the wait's state) is stored under
 * its name; a run parked by an earlier version keeps the workflow (and names) it was saved with.
 */
export const START_NODE_NAME = 'Jobs to wait for';
export const CHECK_NODE_NAME = 'Check job status (once a minute)';
/** Its output is the wait's progress: one row per job (see progress.ts). */
export const LOOP_NODE_NAME = 'Still running: progress';
export const RESULT_NODE_NAME = 'Done: results handed back';

/**
 * The sub-workflow Wait For Result runs to park durably: Start → Check (this node in its
 * internal check-once step) → pending loops back through a no-op / done ends in Results.
 * Each time Check parks, n8n saves both executions to its database and its resume tracker
 * wakes the child at the due time; the parent resumes with the Results node's output.
 * It has no id on purpose: n8n then runs it under the parent's workflow id, which the resume
 * tracker needs to find the parent again.
 *
 * A failed wait (Stop Workflow) must fail the user's node, and n8n resumes a parent with an
 * error only from a sub-execution that failed: so the check step fails, with the error named
 * after the user's node, and `saveDataErrorExecution: 'none'` has n8n delete that failed
 * internal run once it has handed the error over (n8n passes it on from memory, in regular and
 * queue mode), leaving one failed execution in the list, the user's. A successful or parked
 * internal run is kept: it shows the progress and n8n needs it to resume the parent.
 */
export function buildInlineWaitWorkflow(node: INode, settings: WaitSettings): IWorkflowBase {
	const nodes: INode[] = [
		{
			id: 'rf-wait-start',
			name: START_NODE_NAME,
			type: 'n8n-nodes-base.executeWorkflowTrigger',
			typeVersion: 1.1,
			position: [0, 0],
			parameters: { inputSource: 'passthrough' },
		},
		{
			id: 'rf-wait-check',
			name: CHECK_NODE_NAME,
			type: node.type,
			typeVersion: node.typeVersion,
			position: [240, 0],
			parameters: { operation: 'waitForResult', jobId: '={{ $json.job_id }}', [WAIT_SETTINGS_PARAMETER]: encodeWaitSettings(settings) },
			credentials: node.credentials,
			...(node.onError ? { onError: node.onError } : {}),
			...(node.continueOnFail ? { continueOnFail: node.continueOnFail } : {}),
		},
		{
			id: 'rf-wait-loop',
			name: LOOP_NODE_NAME,
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [480, -120],
			parameters: {},
		},
		{
			id: 'rf-wait-results',
			name: RESULT_NODE_NAME,
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [480, 120],
			parameters: {},
		},
	];
	return {
		name: `${node.name}: waiting for Roboflow results`,
		nodes,
		connections: {
			[START_NODE_NAME]: { main: [[{ node: CHECK_NODE_NAME, type: 'main', index: 0 }]] },
			[CHECK_NODE_NAME]: {
				main: [
					[{ node: LOOP_NODE_NAME, type: 'main', index: 0 }],
					[{ node: RESULT_NODE_NAME, type: 'main', index: 0 }],
				],
			},
			[LOOP_NODE_NAME]: { main: [[{ node: CHECK_NODE_NAME, type: 'main', index: 0 }]] },
		},
		settings: { callerPolicy: 'workflowsFromSameOwner', executionOrder: 'v1', saveDataErrorExecution: 'none' },
		active: false,
	} as unknown as IWorkflowBase;
}
