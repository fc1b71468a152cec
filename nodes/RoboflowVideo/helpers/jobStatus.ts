import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { roboflowApiRequest, roboflowErrorMessage } from '../transport';

export type JobState = 'processing' | 'completed' | 'failed';

export interface JobStatus extends IDataObject {
	job_id: string;
	state: JobState;
	status_code: number;
	output_url?: string;
	progress?: number;
	error?: string;
}

/**
 * Roboflow's status codes: 0 done, 1 running, anything higher failed. The failure payload is
 * undocumented, so whatever message it carries is passed on as it is.
 */
export function interpretStatus(jobId: string, body: IDataObject): JobStatus {
	const code = Number(body.status);
	const status: JobStatus = {
		job_id: jobId,
		state: code === 0 ? 'completed' : code === 1 ? 'processing' : 'failed',
		status_code: Number.isFinite(code) ? code : -1,
	};
	if (status.state === 'completed' && typeof body.output_signed_url === 'string') {
		status.output_url = body.output_signed_url;
	}
	const progress = Number(body.progress);
	if (body.progress !== undefined && body.progress !== null && Number.isFinite(progress)) {
		status.progress = progress;
	}
	if (status.state === 'failed') {
		status.error =
			roboflowErrorMessage(body).message ??
			(Number.isFinite(code) ? `Roboflow reported the job as failed (status ${code}) without a message` : 'Roboflow answered without a status');
	}
	return status;
}

export async function fetchJobStatus(this: IExecuteFunctions, jobId: string, itemIndex: number): Promise<JobStatus> {
	const body = await roboflowApiRequest.call(this, 'GET', '/videoinfer/', {
		qs: { job_id: jobId },
		itemIndex,
		action: `checking job ${jobId}`,
	});
	return interpretStatus(jobId, body);
}
