import { NodeOperationError } from 'n8n-workflow';
import type { IBinaryData, IDataObject, IDisplayOptions, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { parseResultsFile, perFrame, type ResultFilters, summarise } from '../../helpers/results';
import { fail, itemLabel } from '../../helpers/validation';
import { downloadFromSignedUrl } from '../../transport/storage';

export type OutputFormat = 'summary' | 'perFrame' | 'raw' | 'binary';

export interface ResultsOutputSettings {
	output: OutputFormat;
	binaryPropertyName: string;
	filters: ResultFilters;
	onlyFramesWithPredictions: boolean;
}

/** The results parameters, shown wherever results come out (Wait For Result, Get Status). */
export function resultsOutputProperties(show: IDisplayOptions['show']): INodeProperties[] {
	return [
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			displayOptions: { show },
			options: [
				{
					name: 'Summary',
					value: 'summary',
					description:
						'One item per job: frames inferred, seconds covered, and per model and class the detections, frames, confidence and first and last time seen',
				},
				{
					name: 'One Item per Frame',
					value: 'perFrame',
					description: 'One item per inferred frame with its time and each model\'s predictions',
				},
				{ name: 'Raw', value: 'raw', description: 'The results file as Roboflow wrote it, in the results field' },
				{
					name: 'Binary File',
					value: 'binary',
					description: 'The results file as a JSON file, ready for Google Drive, S3 or email',
				},
			],
			default: 'summary',
		},
		{
			displayName: 'Put Output File in Field',
			name: 'outputBinaryField',
			type: 'string',
			default: 'data',
			required: true,
			displayOptions: { show: { ...show, output: ['binary'] } },
			hint: 'The name of the output binary field to put the results file in',
		},
		{
			displayName: 'Result Options',
			name: 'resultOptions',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			displayOptions: { show: { ...show, output: ['summary', 'perFrame'] } },
			options: [
				{
					displayName: 'Classes',
					name: 'classes',
					type: 'string',
					default: '',
					placeholder: 'e.g. person, forklift',
					description: 'Comma-separated class names to keep; all others are left out',
				},
				{
					displayName: 'Minimum Confidence',
					name: 'minConfidence',
					type: 'number',
					default: 0.5,
					typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
					description: 'Leave out predictions Roboflow is less sure of than this (0 to 1)',
				},
				{
					displayName: 'Only Frames With Predictions',
					name: 'onlyFramesWithPredictions',
					type: 'boolean',
					default: true,
					displayOptions: { show: { '/output': ['perFrame'] } },
					description: 'Whether to leave out frames in which no model found anything',
				},
			],
		},
	];
}

const OUTPUT_FORMATS: Record<OutputFormat, string> = {
	summary: 'Summary',
	perFrame: 'One Item per Frame',
	raw: 'Raw',
	binary: 'Binary File',
};

export function readResultsOutputSettings(ctx: IExecuteFunctions, itemIndex: number): ResultsOutputSettings {
	const output = ctx.getNodeParameter('output', itemIndex, 'summary') as OutputFormat;
	if (typeof output !== 'string' || !Object.hasOwn(OUTPUT_FORMATS, output)) {
		fail(ctx, itemIndex, `Output "${String(output).slice(0, 40)}" is not one of the node's output formats`, `Choose one of: ${Object.values(OUTPUT_FORMATS).join(', ')}.`);
	}
	const options = ctx.getNodeParameter('resultOptions', itemIndex, {}) as {
		classes?: unknown;
		minConfidence?: unknown;
		onlyFramesWithPredictions?: unknown;
	};
	const minConfidence = options.minConfidence ?? 0;
	if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 1)) {
		fail(ctx, itemIndex, `Minimum Confidence must be a number between 0 and 1, not ${JSON.stringify(minConfidence)}`, 'It is a fraction: 0.5 keeps predictions Roboflow is at least 50% sure of.');
	}
	const classes = options.classes ?? '';
	if (typeof classes !== 'string') {
		fail(ctx, itemIndex, 'Classes must be text', 'Write the class names separated by commas, e.g. person, forklift.');
	}
	let binaryPropertyName = 'data';
	if (output === 'binary') {
		const field = ctx.getNodeParameter('outputBinaryField', itemIndex, 'data');
		if (typeof field !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(field.trim())) {
			fail(ctx, itemIndex, `Put Output File in Field "${String(field).slice(0, 40)}" is not a usable field name`, 'Use a short name of letters, digits, "_", "." or "-", e.g. data.');
		}
		binaryPropertyName = field.trim();
	}
	return {
		output,
		binaryPropertyName,
		filters: {
			minConfidence,
			classes: classes
				.split(',')
				.map((c) => c.trim())
				.filter(Boolean),
		},
		onlyFramesWithPredictions: options.onlyFramesWithPredictions !== false,
	};
}

/** A results file that arrived but is not what Roboflow writes; Wait For Result fetches it anew at its next check. */
export class ResultsFileError extends NodeOperationError {}

/** Wait For Result embeds the file in the item (see resultItems); beyond this it refuses. */
export const MAX_EMBEDDED_RESULTS_BYTES = 64 * 1024 * 1024;

/**
 * Downloads a finished job's results file, checks it, and turns it into the items the user
 * asked for. `binaryPlacement` 'embedded' keeps a Binary File inside the item itself: Wait For
 * Result makes its items in a sub-execution, and a file in n8n's binary store belongs to the
 * execution that stored it, so it would vanish with the sub-execution.
 */
export async function resultItems(
	this: IExecuteFunctions,
	jobId: string,
	outputUrl: string,
	settings: ResultsOutputSettings,
	itemIndex: number,
	binaryPlacement: 'store' | 'embedded' = 'store',
): Promise<INodeExecutionData[]> {
	const file = await downloadFromSignedUrl.call(this, outputUrl, `downloading the results of job ${jobId}`, itemIndex);
	const parsed = parseResultsFile(file.toString('utf8'));
	if ('problem' in parsed) {
		throw new ResultsFileError(this.getNode(), `${itemLabel(itemIndex)}: job ${jobId}: ${parsed.problem}`, {
			itemIndex,
			description:
				'The file arrived but is not what Roboflow writes. Run Get Status (with Download Results) or Wait For Result again to fetch it anew; if it persists, contact Roboflow support with the job ID.',
		});
	}
	const { results } = parsed;
	if (settings.output === 'binary') {
		const fileName = `roboflow-video-results-${jobId}.json`;
		let binary: IBinaryData;
		if (binaryPlacement === 'embedded') {
			if (file.length > MAX_EMBEDDED_RESULTS_BYTES) {
				fail(
					this,
					itemIndex,
					`the results file of job ${jobId} is ${Math.round(file.length / 1048576)} MiB, more than Wait For Result passes on as a file (${MAX_EMBEDDED_RESULTS_BYTES / 1048576} MiB)`,
					'Use Output: Summary here, then a Get Status node on the same job with Download Results on and Output: Binary File a minute later: it stores the file in n8n\'s binary storage, whatever its size.',
				);
			}
			binary = { data: file.toString('base64'), mimeType: 'application/json', fileName, fileExtension: 'json', fileSize: `${Math.ceil(file.length / 1024)} kB`, bytes: file.length };
		} else {
			binary = await this.helpers.prepareBinaryData(file, fileName, 'application/json');
		}
		return [
			{
				json: { job_id: jobId, state: 'completed', file_name: fileName, size_bytes: file.length },
				binary: { [settings.binaryPropertyName]: binary },
			},
		];
	}
	if (settings.output === 'raw') return [{ json: { job_id: jobId, state: 'completed', results: results as IDataObject } }];
	if (settings.output === 'perFrame') {
		return perFrame(jobId, results, settings.filters, settings.onlyFramesWithPredictions).map((json) => ({ json }));
	}
	return [{ json: summarise(jobId, results, settings.filters) }];
}
