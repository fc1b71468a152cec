import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { fetchJobStatus } from '../helpers/jobStatus';
import { requireJobId } from '../helpers/validation';
import { jobIdProperty } from './shared/jobId';
import { readResultsOutputSettings, resultItems, resultsOutputProperties } from './shared/resultsOutput';

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

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const jobId = requireJobId(this, this.getNodeParameter('jobId', itemIndex), itemIndex);
	const status = await fetchJobStatus.call(this, jobId, itemIndex);
	const downloadResults = this.getNodeParameter('downloadResults', itemIndex, false) as boolean;
	if (downloadResults && status.state === 'completed' && status.output_url) {
		const settings = readResultsOutputSettings(this, itemIndex);
		return await resultItems.call(this, jobId, status.output_url, settings, itemIndex);
	}
	return [{ json: { ...status, checked_at: new Date().toISOString() } }];
}
