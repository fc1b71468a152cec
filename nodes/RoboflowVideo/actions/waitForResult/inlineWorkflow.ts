import type { INode, IWorkflowBase } from 'n8n-workflow';

import { encodeWaitSettings, WAIT_SETTINGS_PARAMETER, type WaitSettings } from './settings';

export const CHECK_NODE_NAME = 'Check Roboflow Jobs';
const START_NODE_NAME = 'Start';
const LOOP_NODE_NAME = 'Not Finished Yet';
const RESULT_NODE_NAME = 'Results';

/**
 * The sub-workflow Wait For Result runs to park durably: Start → Check (this node in its
 * internal check-once step) → pending loops back through a no-op / done ends in Results.
 * Each time Check parks, n8n saves both executions to its database and its resume tracker
 * wakes the child at the due time; the parent resumes with the Results node's output.
 * It has no id on purpose: n8n then runs it under the parent's workflow id, which the resume
 * tracker needs to find the parent again.
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
		settings: { callerPolicy: 'workflowsFromSameOwner', executionOrder: 'v1' },
		active: false,
	} as unknown as IWorkflowBase;
}
