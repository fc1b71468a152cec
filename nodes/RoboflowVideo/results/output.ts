import type { IDataObject } from 'n8n-workflow';

import type { ResultsFile } from './file';
import type { ResultFilters } from './frames';
import { perFrame } from './perFrame';
import { summarise } from './summary';

/** The shapes a finished job's results can leave the node in. Pure. */

export type OutputFormat = 'summary' | 'perFrame' | 'raw' | 'binary';

export interface ResultsOutputSettings {
	output: OutputFormat;
	binaryPropertyName: string;
	filters: ResultFilters;
	onlyFramesWithPredictions: boolean;
}

export const OUTPUT_FORMATS: Record<OutputFormat, string> = {
	summary: 'Summary',
	perFrame: 'One Item per Frame',
	raw: 'Raw',
	binary: 'Binary File',
};

/** The json of the items for every format but Binary File, which is the file itself. */
export function shapeResults(jobId: string, results: ResultsFile, settings: ResultsOutputSettings): IDataObject[] {
	if (settings.output === 'raw') return [{ job_id: jobId, state: 'completed', results: results as IDataObject }];
	if (settings.output === 'perFrame') return perFrame(jobId, results, settings.filters, settings.onlyFramesWithPredictions);
	return [summarise(jobId, results, settings.filters)];
}

/** A job's One Item per Frame output as one item, its frames in a list (see WaitSettings.framesInOneItem). */
export function framesAsOneItem(jobId: string, frames: IDataObject[]): IDataObject {
	return { job_id: jobId, state: 'completed', frame_count: frames.length, frames };
}
