import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { fetchJobStatus } from '../helpers/jobStatus';
import { requireJobId } from '../helpers/validation';

const properties: INodeProperties[] = [
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		default: '={{ $json.job_id }}',
		required: true,
		placeholder: 'e.g. fec28362-f7d9-4cc0-a805-5e94495d063d',
		description: 'The job_id that Start Inference returned',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['getStatus'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const jobId = requireJobId(this, this.getNodeParameter('jobId', itemIndex), itemIndex);
	const status = await fetchJobStatus.call(this, jobId, itemIndex);
	return [{ json: { ...status, checked_at: new Date().toISOString() } }];
}
