import type { IDataObject } from 'n8n-workflow';

/**
 * Reads Roboflow's status answer for a job. Pure: no I/O, so every shape can be tested directly.
 *
 * Roboflow's reference: `status` 0 means done (and `output_signed_url` holds the results link),
 * 1 means running, any whole number above 1 means failed. Anything else is not an answer to
 * believe: an unreadable answer must never end a multi-hour wait as "failed" (or "done").
 */

export type JobState = 'processing' | 'completed' | 'failed';

export interface JobStatus extends IDataObject {
	job_id: string;
	state: JobState;
	status_code: number;
	output_url?: string;
	progress?: number;
	error?: string;
}

export type StatusReading = { readable: true; status: JobStatus } | { readable: false; problem: string };

/** Accepts 42, "42", 42.5, "42.5" and "42%"; anything else is no progress. */
export function readProgress(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string') return undefined;
	const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
	return match ? Number(match[1]) : undefined;
}

function readStatusCode(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
	if (typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value)) return Number(value);
	return undefined;
}

/** The message of a failed job: undocumented, so whatever text it carries (already redacted by transport). */
export function failureMessage(body: IDataObject): string | undefined {
	const texts: string[] = [];
	const add = (v: unknown) => {
		if (typeof v === 'string' && v.trim() && !texts.includes(v.trim())) texts.push(v.trim());
	};
	const error = body.error;
	if (error && typeof error === 'object' && !Array.isArray(error)) add((error as IDataObject).message);
	else add(error);
	add(body.message);
	if (texts.length === 0) return undefined;
	const joined = texts.length === 2 ? (texts[1].includes(texts[0]) ? texts[1] : `${texts[1]} (${texts[0]})`) : texts[0];
	return joined.length > 1000 ? `${joined.slice(0, 1000)}…` : joined;
}

export function readJobStatus(jobId: string, body: IDataObject): StatusReading {
	if (body.job_id !== undefined && body.job_id !== null && String(body.job_id) !== jobId) {
		return { readable: false, problem: `it is about another job (${String(body.job_id).slice(0, 64)}), not ${jobId}` };
	}
	const code = readStatusCode(body.status);
	if (code === undefined) {
		return {
			readable: false,
			problem: body.status === undefined ? 'it has no status' : `its status ${JSON.stringify(body.status).slice(0, 40)} is not one of Roboflow's status codes`,
		};
	}
	const status: JobStatus = { job_id: jobId, state: code === 0 ? 'completed' : code === 1 ? 'processing' : 'failed', status_code: code };
	if (code === 0) {
		const url = body.output_signed_url;
		if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url.trim())) {
			return { readable: false, problem: 'it says the job is done but gives no results link' };
		}
		status.output_url = url.trim();
	}
	const progress = readProgress(body.progress);
	if (progress !== undefined) status.progress = progress;
	if (status.state === 'failed') {
		status.error = failureMessage(body) ?? `Roboflow reported the job as failed (status ${code}) without a message`;
	}
	return { readable: true, status };
}
