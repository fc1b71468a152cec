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
	// While the sub-execution is parked this is a placeholder that n8n replaces on resume
	// with the sub-workflow's final output; it must never be null.
	return (result.data ?? [[]]).map((items) => items ?? []);
}
