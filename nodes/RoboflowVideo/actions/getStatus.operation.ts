import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { fail, requireJobId } from '../helpers/validation';
import { checkJob } from './shared/checkJob';
import { jobIdProperty } from './shared/jobId';
import { resultItems } from './shared/fetchResults';
import { readResultsOutputSettings, resultsOutputProperties, type ResultsOutputSettings } from './shared/resultsOutput';

const properties: INodeProperties[] = [
	jobIdProperty,
	{
		displayName: 'Download Results',
		name: 'downloadResults',
		type: 'boolean',
		default: false,
		description: 'Whether to download and output the results when the job has completed',
	},
	...resultsOutputProperties({ downloadResults: [true] }),
];

export const description = updateDisplayOptions({ show: { operation: ['getStatus'] } }, properties);

interface Plan {
	jobId: string;
	results?: ResultsOutputSettings;
}

export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<Plan> {
	const jobId = requireJobId(this, this.getNodeParameter('jobId', itemIndex), itemIndex);
	const downloadResults = this.getNodeParameter('downloadResults', itemIndex, false);
	if (typeof downloadResults !== 'boolean') {
		fail(this, itemIndex, 'Download Results must be true or false', 'Switch Download Results on or off, or make its expression give true or false.');
	}
	return { jobId, results: downloadResults ? readResultsOutputSettings(this, itemIndex) : undefined };
}

export async function execute(this: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<INodeExecutionData[]> {
	const status = await checkJob.call(this, plan.jobId, itemIndex);
	if (plan.results && status.state === 'completed' && status.output_url) {
		return await resultItems.call(this, plan.jobId, status.output_url, plan.results, itemIndex);
	}
	return [{ json: { ...status, checked_at: new Date().toISOString() } }];
}
