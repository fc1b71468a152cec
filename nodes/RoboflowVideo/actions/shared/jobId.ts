import type { INodeProperties } from 'n8n-workflow';

/** The job a status check or a wait is about; by default the one the previous node started. */
export const jobIdProperty: INodeProperties = {
	displayName: 'Job ID',
	name: 'jobId',
	type: 'string',
	default: '={{ $json.job_id }}',
	required: true,
	placeholder: 'e.g. fec28362-f7d9-4cc0-a805-5e94495d063d',
	description: 'The job_id that Start Inference returned',
};
