import type { IDataObject, IDisplayOptions, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { perFrame, type ResultFilters, type ResultsFile, summarise } from '../../helpers/results';
import { fail } from '../../helpers/validation';
import { getTextFromSignedUrl } from '../../transport/storage';

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

export function readResultsOutputSettings(ctx: IExecuteFunctions, itemIndex: number): ResultsOutputSettings {
	const output = ctx.getNodeParameter('output', itemIndex, 'summary') as OutputFormat;
	const options = ctx.getNodeParameter('resultOptions', itemIndex, {}) as {
		classes?: string;
		minConfidence?: number;
		onlyFramesWithPredictions?: boolean;
	};
	const minConfidence = options.minConfidence ?? 0;
	if (!(minConfidence >= 0 && minConfidence <= 1)) {
		fail(ctx, itemIndex, 'Minimum Confidence must be between 0 and 1', 'It is a fraction: 0.5 keeps predictions Roboflow is at least 50% sure of.');
	}
	return {
		output,
		binaryPropertyName: output === 'binary' ? (ctx.getNodeParameter('outputBinaryField', itemIndex) as string) : 'data',
		filters: {
			minConfidence,
			classes: (options.classes ?? '')
				.split(',')
				.map((c) => c.trim())
				.filter(Boolean),
		},
		onlyFramesWithPredictions: options.onlyFramesWithPredictions ?? true,
	};
}

/** Downloads a finished job's results file and turns it into the items the user asked for. */
export async function resultItems(
	this: IExecuteFunctions,
	jobId: string,
	outputUrl: string,
	settings: ResultsOutputSettings,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const text = await getTextFromSignedUrl.call(this, outputUrl, itemIndex);
	if (settings.output === 'binary') {
		const binary = await this.helpers.prepareBinaryData(
			Buffer.from(text, 'utf8'),
			`roboflow-video-results-${jobId}.json`,
			'application/json',
		);
		return [
			{
				json: { job_id: jobId, state: 'completed', file_name: binary.fileName ?? null, size_bytes: Buffer.byteLength(text) },
				binary: { [settings.binaryPropertyName]: binary },
			},
		];
	}
	let results: ResultsFile;
	try {
		results = JSON.parse(text) as ResultsFile;
	} catch {
		fail(this, itemIndex, `the results file of job ${jobId} is not valid JSON`, 'Choose Output: Binary File to receive the file as it is, or try again later.');
	}
	if (settings.output === 'raw') return [{ json: { job_id: jobId, state: 'completed', results: results as IDataObject } }];
	if (settings.output === 'perFrame') {
		return perFrame(jobId, results, settings.filters, settings.onlyFramesWithPredictions).map((json) => ({ json }));
	}
	return [{ json: summarise(jobId, results, settings.filters) }];
}
