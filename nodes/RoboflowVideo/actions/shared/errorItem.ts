import type { INodeExecutionData } from 'n8n-workflow';

/**
 * The one shape of an error item under Continue On Fail, for every operation: n8n's own nodes
 * put the message in json.error; the item index and job id (when there is one) let a workflow
 * route or retry the failed item; `state` is the job's true state where it is known.
 */
export interface ErrorItemJson {
	[key: string]: string | number | null;
	error: string;
	description: string | null;
	item_index: number;
	job_id: string | null;
	state: string | null;
}

export const ERROR_ITEM_FIELDS: ReadonlyArray<keyof ErrorItemJson> = ['error', 'description', 'item_index', 'job_id', 'state'];

export function errorItem(error: unknown, itemIndex: number, about: { jobId?: string; state?: string } = {}): INodeExecutionData {
	const e = error as { message?: unknown; description?: unknown } | undefined;
	const json: ErrorItemJson = {
		error: typeof e?.message === 'string' ? e.message : String(error),
		description: typeof e?.description === 'string' && e.description ? e.description : null,
		item_index: itemIndex,
		job_id: about.jobId || null,
		state: about.state ?? null,
	};
	return { json, pairedItem: { item: itemIndex } };
}
