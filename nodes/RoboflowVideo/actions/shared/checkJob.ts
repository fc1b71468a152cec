import type { IExecuteFunctions } from 'n8n-workflow';

import { readJobStatus, type JobStatus } from '../../helpers/jobStatus';
import { roboflowApiRequest, unreadableAnswer } from '../../transport';

/**
 * One status check of a job: the request (transport) and its reading (pure). An answer that
 * arrives but cannot be believed becomes an 'unreadable' RoboflowRequestError, so
 * Get Status can report it at once and Wait For Result can count it as a passing fault.
 */
export async function checkJob(this: IExecuteFunctions, jobId: string, itemIndex: number): Promise<JobStatus> {
	const action = `checking job ${jobId}`;
	const body = await roboflowApiRequest.call(this, {
		method: 'GET',
		endpoint: '/videoinfer/',
		qs: { job_id: jobId },
		step: 'status',
		action,
		itemIndex,
		idempotent: true,
		keepFields: ['output_signed_url'],
	});
	const reading = readJobStatus(jobId, body);
	if (reading.readable) return reading.status;
	throw unreadableAnswer(this.getNode(), { step: 'status', action, itemIndex }, reading.problem, body);
}
