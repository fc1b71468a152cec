import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { fail, itemLabel } from '../../helpers/validation';
import { parseResultsFile } from '../../results/file';
import { shapeResults, type ResultsOutputSettings } from '../../results/output';
import { downloadFromSignedUrl } from '../../transport/storage';

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
	return shapeResults(jobId, results, settings).map((json) => ({ json }));
}
