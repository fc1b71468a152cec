import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { fail, requireJobId } from '../helpers/validation';
import { RoboflowRequestError } from '../transport/errors';
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
	{
		displayName: 'Results Link',
		name: 'resultsLink',
		type: 'options',
		displayOptions: { show: { downloadResults: [true] } },
		options: [
			{
				name: 'From a New Status Check',
				value: 'check',
				description: 'Check the job, then download its results if it has completed',
			},
			{
				name: 'From an Earlier Get Status',
				value: 'url',
				description:
					'Download from the output_url of an earlier Get Status, without checking the job again: to try other Output settings on a finished job (Roboflow allows one status check per job a minute)',
			},
		],
		default: 'check',
	},
	{
		displayName: 'Results URL',
		name: 'resultsUrl',
		type: 'string',
		default: '={{ $json.output_url }}',
		required: true,
		displayOptions: { show: { downloadResults: [true], resultsLink: ['url'] } },
		description:
			'The output_url of a Get Status of this job whose state is completed (the default reads it from the previous node). Results links expire after a while: then run that Get Status again.',
	},
	...resultsOutputProperties({ downloadResults: [true] }),
];

export const description = updateDisplayOptions({ show: { operation: ['getStatus'] } }, properties);

interface Plan {
	jobId: string;
	results?: ResultsOutputSettings;
	/** Results Link "From an Earlier Get Status": the results are downloaded from here, without a status check. */
	resultsUrl?: string;
}

export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<Plan> {
	const jobId = requireJobId(this, this.getNodeParameter('jobId', itemIndex), itemIndex);
	const downloadResults = this.getNodeParameter('downloadResults', itemIndex, false);
	if (typeof downloadResults !== 'boolean') {
		fail(this, itemIndex, 'Download Results must be true or false', 'Switch Download Results on or off, or make its expression give true or false.');
	}
	if (!downloadResults) return { jobId };
	return { jobId, results: readResultsOutputSettings(this, itemIndex), resultsUrl: readResultsUrl(this, itemIndex) };
}

/** The Results URL when Results Link says to reuse an earlier check's link; undefined for a new check. */
function readResultsUrl(ctx: IExecuteFunctions, itemIndex: number): string | undefined {
	const link = ctx.getNodeParameter('resultsLink', itemIndex, 'check');
	if (link === 'check') return undefined;
	if (link !== 'url') {
		fail(ctx, itemIndex, `Results Link "${String(link).slice(0, 40)}" is not one of its choices`, 'Choose From a New Status Check or From an Earlier Get Status.');
	}
	const value = ctx.getNodeParameter('resultsUrl', itemIndex, '');
	const url = typeof value === 'string' ? value.trim() : '';
	if (url === '') {
		fail(
			ctx,
			itemIndex,
			'Results URL is empty: there is no results link to download from',
			'It takes the output_url of a Get Status whose state is completed ({{ $json.output_url }}); a job that is still running has none. Put an If on {{ $json.state }} is equal to completed before this node, or set Results Link to From a New Status Check.',
		);
	}
	// The value itself is not shown: it may be a signed link.
	if (!/^https?:\/\/\S+$/.test(url)) {
		fail(ctx, itemIndex, 'Results URL is not an http(s) link', 'Set it to the output_url of a completed Get Status of this job ({{ $json.output_url }}).');
	}
	return url;
}

export async function execute(this: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<INodeExecutionData[]> {
	if (plan.results && plan.resultsUrl) {
		try {
			return await resultItems.call(this, plan.jobId, plan.resultsUrl, plan.results, itemIndex);
		} catch (error) {
			throw withResultsUrlAdvice(error);
		}
	}
	const status = await checkJob.call(this, plan.jobId, itemIndex);
	if (plan.results && status.state === 'completed' && status.output_url) {
		return await resultItems.call(this, plan.jobId, status.output_url, plan.results, itemIndex);
	}
	return [{ json: { ...status, checked_at: new Date().toISOString() } }];
}

/**
 * A link from Results URL that storage refuses (expired, or not there any more): running this
 * node again would only reuse it, so the error says where a fresh one comes from.
 */
function withResultsUrlAdvice(error: unknown): unknown {
	if (error instanceof RoboflowRequestError && error.step === 'results' && [400, 401, 403, 404].includes(error.statusCode ?? 0)) {
		error.description = `The link in Results URL came from an earlier Get Status and storage refused it (results links expire after a while): run that Get Status again for a fresh output_url, or set Results Link to From a New Status Check. ${error.description ?? ''}`.trim();
	}
	return error;
}
