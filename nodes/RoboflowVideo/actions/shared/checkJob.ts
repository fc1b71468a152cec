import type { IExecuteFunctions } from 'n8n-workflow';

import { readJobStatus, type JobStatus } from '../../helpers/jobStatus';
import { roboflowApiRequest, RoboflowRequestError } from '../../transport';
import { describeBody, redactJson } from '../../transport/redact';

/**
 * One status check of a job: the request (transport) and its reading (pure). An answer that
 * arrives but cannot be believed becomes a RoboflowRequestError with failure 'unreadable', so
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
	throw new RoboflowRequestError(this.getNode(), {
		step: 'status',
		action,
		itemIndex,
		attempts: 1,
		cause: 'unreadable',
		problem: reading.problem,
		// The answer is shown for diagnosis, without any signed link it may hold.
		answer: describeBody(JSON.stringify(redactJson(body, []))),
		secrets: [],
	});
}
