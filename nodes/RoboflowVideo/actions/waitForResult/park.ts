import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { buildInlineWaitWorkflow } from './inlineWorkflow';
import type { WaitSettings } from './settings';

/**
 * Park Execution: runs the inline sub-workflow whose check step parks between checks. n8n
 * parks this (the parent) execution too and resumes it with the sub-workflow's final output.
 */
export async function park(this: IExecuteFunctions, jobIdValues: unknown[], settings: WaitSettings): Promise<INodeExecutionData[][]> {
	// Job IDs are resolved here, where the user's expressions can see the whole workflow.
	const childItems: INodeExecutionData[] = jobIdValues.map((jobId, i) => ({ json: { job_id: jobId as string }, pairedItem: { item: i } }));
	const result = await this.executeWorkflow({ code: buildInlineWaitWorkflow(this.getNode(), settings) }, childItems, undefined, {
		parentExecution: {
			executionId: this.getExecutionId(),
			workflowId: this.getWorkflow().id as string,
			shouldResume: true,
		},
	});
	// While the sub-execution is parked, n8n shows what this returns as the node's output until
	// it resumes the node with the sub-workflow's final output: so nothing, on the one output the
	// user's node has (not the check step's two), or the editor would show the jobs as if they
	// had already left the node. It must never be null.
	if (result.waitTill) return [[]];
	return [result.data?.[0] ?? []];
}
