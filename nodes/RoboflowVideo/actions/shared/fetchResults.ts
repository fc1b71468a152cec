import type { IBinaryData, IExecuteFunctions, INodeExecutionData, NodeApiError } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../../helpers/errors';
import { fail, itemLabel } from '../../helpers/validation';
import { outputBuilder, timelinePicture, type OutputBuilder, type ResultsOutputSettings } from '../../results/output';
import { formatMiB, MAX_OUTPUT_BYTES, OutputTooLarge } from '../../results/outputSize';
import { ResultsFileProblem, ResultsScanner, TimesNeededFirst, type ResultsVisitor } from '../../results/scanner';
import type { Consumed, ResponseBody } from '../../transport/http';
import { streamFromSignedUrl } from '../../transport/storage';

/**
 * A finished job's results: the file is read as it downloads (results/scanner.ts) into the
 * output the user asked for, so no output holds the whole file in memory, whatever its size.
 */

/** A results file that arrived but is not what Roboflow writes; Wait For Result fetches it anew at its next check. */
export class ResultsFileError extends NodeOperationError {}

/** Wait For Result embeds the file in the item (see resultItems); beyond this it refuses. */
export const MAX_EMBEDDED_RESULTS_BYTES = 64 * 1024 * 1024;

/** The binary field the Summary's timeline picture comes in. */
export const TIMELINE_FIELD = 'timeline';

/** Read in large chunks: fewer, bigger reads cost less CPU for the same bytes. */
const READ_CHUNK_BYTES = 1024 * 1024;

type Placement = 'store' | 'embedded';

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
	binaryPlacement: Placement = 'store',
): Promise<INodeExecutionData[]> {
	const download: Download = async <T>(consume: Consume<T>) =>
		await streamFromSignedUrl.call<IExecuteFunctions, [string, string, number, Consume<T>], Promise<T>>(
			this,
			outputUrl,
			`downloading the results of job ${jobId}`,
			itemIndex,
			consume,
		);
	try {
		if (settings.output === 'binary') return [await binaryItem.call(this, jobId, settings, itemIndex, binaryPlacement, download)];
		return await readOutput.call(this, jobId, settings, binaryPlacement, download);
	} catch (error) {
		throw resultsError(this, error, jobId, itemIndex);
	}
}

/** Every error of reading results leaves as an n8n error naming the item and the job. */
function resultsError(ctx: IExecuteFunctions, error: unknown, jobId: string, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof ResultsFileProblem) {
		return new ResultsFileError(ctx.getNode(), `${itemLabel(itemIndex)}: job ${jobId}: ${error.message}`, {
			itemIndex,
			description:
				'The file arrived but is not what Roboflow writes. Run Get Status (with Download Results) or Wait For Result again to fetch it anew; if it persists, contact Roboflow support with the job ID.',
		});
	}
	if (error instanceof OutputTooLarge) {
		return new NodeOperationError(ctx.getNode(), `${itemLabel(itemIndex)}: job ${jobId}: ${error.message}`, { itemIndex, description: error.description });
	}
	return asNodeError(ctx.getNode(), error, itemIndex);
}

/** Every output but Binary File, read as the file downloads. */
async function readOutput(
	this: IExecuteFunctions,
	jobId: string,
	settings: ResultsOutputSettings,
	placement: Placement,
	download: Download,
): Promise<INodeExecutionData[]> {
	const outcome = await settle(
		download(async (body, contentLength) => {
			// A fresh builder per attempt: a retried download starts from its first byte.
			const builder = outputBuilder(settings);
			if (settings.output === 'raw' && contentLength !== undefined && contentLength > MAX_OUTPUT_BYTES) {
				throw new OutputTooLarge('Raw', contentLength, MAX_OUTPUT_BYTES);
			}
			const { frames, bytes } = await scan(body, builder);
			return { value: { builder, frames }, bytes };
		}),
	);
	if ('error' in outcome) {
		if (outcome.error instanceof TimesNeededFirst) return await readTwice.call(this, jobId, settings, placement, download);
		throw outcome.error;
	}
	return await itemsOf.call(this, jobId, settings, placement, outcome.value.builder, outcome.value.frames);
}

/** The items of a builder that has read the whole file: with the timeline picture when asked for. */
async function itemsOf(
	this: IExecuteFunctions,
	jobId: string,
	settings: ResultsOutputSettings,
	placement: Placement,
	builder: OutputBuilder,
	frames: number,
): Promise<INodeExecutionData[]> {
	const items: INodeExecutionData[] = builder.finish(jobId, frames).map((json) => ({ json }));
	const png = settings.attachTimeline ? timelinePicture(builder, jobId) : undefined;
	if (png && items.length === 1) {
		const fileName = `roboflow-video-timeline-${jobId}.png`;
		const buffer = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
		items[0].binary = {
			[TIMELINE_FIELD]:
				placement === 'embedded'
					? { data: buffer.toString('base64'), mimeType: 'image/png', fileName, fileExtension: 'png', fileSize: `${Math.ceil(buffer.length / 1024)} kB`, bytes: buffer.length }
					: await this.helpers.prepareBinaryData(buffer, fileName, 'image/png'),
		};
	}
	return items;
}

/** A promise's value or its error, as a value (to look at an error before deciding what to do). */
async function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
	return await promise.then(
		(value) => ({ value }),
		(error: unknown) => ({ error }),
	);
}

/** A body: a stream, or a file already in memory as one chunk. */
type Chunks = AsyncIterable<unknown> | Iterable<unknown>;

async function scan(body: Chunks, visitor: ResultsVisitor): Promise<{ frames: number; bytes: number }> {
	const scanner = new ResultsScanner(visitor);
	for await (const chunk of body) scanner.push(chunk as Uint8Array);
	const { frames } = scanner.end();
	return { frames, bytes: scanner.position };
}

type Consume<T> = (body: ResponseBody, contentLength: number | undefined) => Promise<Consumed<T>>;
type Download = <T>(consume: Consume<T>) => Promise<T>;

/** Streams the download into n8n's binary store, as it arrives. */
async function storeBody(this: IExecuteFunctions, download: Download, fileName: string): Promise<IBinaryData> {
	return await download(async (body, contentLength) => {
		const binary = await this.helpers.prepareBinaryData(body, fileName, 'application/json');
		return { value: binary, bytes: binary.bytes ?? contentLength ?? 0 };
	});
}

/** Reads a file kept in n8n's binary store again, chunk by chunk. */
async function readStored(this: IExecuteFunctions, binary: IBinaryData, visitor: ResultsVisitor): Promise<{ frames: number; bytes: number }> {
	const body: Chunks = binary.id
		? await this.helpers.getBinaryStream(binary.id, READ_CHUNK_BYTES)
		: [Buffer.from(binary.data, 'base64')];
	return await scan(body, visitor);
}

/**
 * A file that lists its times after its frames, for an output that needs them first (One Item
 * per Frame with a time window, tracking): the file is kept in n8n's binary store (not in memory)
 * and read twice, first for its times.
 */
async function readTwice(
	this: IExecuteFunctions,
	jobId: string,
	settings: ResultsOutputSettings,
	placement: Placement,
	download: Download,
): Promise<INodeExecutionData[]> {
	const stored = await storeBody.call(this, download, `roboflow-video-results-${jobId}.json`);
	let times: number[] | undefined;
	await readStored.call(this, stored, { offsets: (key, values) => key === 'time_offset' && (times = values), modelStart: () => false });
	// Without times a Summary still counts; only its tracking answers are left out.
	if (!times && settings.output === 'summary') settings = { ...settings, analytics: undefined };
	else if (!times) {
		throw new ResultsFileProblem(
			'the results file has no time offsets, so the node cannot tell when each frame was (From Second, To Second and tracking need it)',
		);
	}
	const builder = outputBuilder(settings);
	if (times) builder.setTimes?.(times);
	const { frames } = await readStored.call(this, stored, builder);
	return await itemsOf.call(this, jobId, settings, placement, builder, frames);
}

/** Binary File: the results file itself, streamed to n8n's binary store and checked there. */
async function binaryItem(
	this: IExecuteFunctions,
	jobId: string,
	settings: ResultsOutputSettings,
	itemIndex: number,
	placement: Placement,
	download: Download,
): Promise<INodeExecutionData> {
	const fileName = `roboflow-video-results-${jobId}.json`;
	let binary: IBinaryData;
	if (placement === 'embedded') {
		const file = await download(async (body, contentLength) => {
			const buffer = await readEmbeddable.call(this, body, contentLength, jobId, itemIndex);
			return { value: buffer, bytes: buffer.length };
		});
		await scan([file], outputBuilder(settings));
		binary = { data: file.toString('base64'), mimeType: 'application/json', fileName, fileExtension: 'json', fileSize: `${Math.ceil(file.length / 1024)} kB`, bytes: file.length };
	} else {
		binary = await storeBody.call(this, download, fileName);
		// Checked after storing, from the store: the file is never held in memory, and a file that is
		// not Roboflow's (an HTML page served with 200) is an error, not a "result".
		await readStored.call(this, binary, outputBuilder(settings));
	}
	return {
		json: { job_id: jobId, state: 'completed', file_name: fileName, size_bytes: binary.bytes ?? null },
		binary: { [settings.binaryPropertyName]: binary },
	};
}

/** Wait For Result's Binary File lives in its item; refused beyond a size, before reading when the size is known. */
async function readEmbeddable(this: IExecuteFunctions, body: ResponseBody, contentLength: number | undefined, jobId: string, itemIndex: number): Promise<Buffer> {
	const refuse = (bytes: number): never =>
		fail(
			this,
			itemIndex,
			`the results file of job ${jobId} is ${contentLength === undefined ? 'more than' : ''} ${formatMiB(bytes)}, more than Wait For Result passes on as a file (${formatMiB(MAX_EMBEDDED_RESULTS_BYTES)})`.replace('is  ', 'is '),
			"Use Output: Summary here, then a Get Status node on the same job with Download Results on and Output: Binary File a minute later: it stores the file in n8n's binary storage, whatever its size.",
		);
	if (contentLength !== undefined && contentLength > MAX_EMBEDDED_RESULTS_BYTES) refuse(contentLength);
	const chunks: Buffer[] = [];
	let received = 0;
	for await (const chunk of body) {
		const buffer = chunk as Buffer;
		received += buffer.length;
		if (received > MAX_EMBEDDED_RESULTS_BYTES) refuse(received);
		chunks.push(buffer);
	}
	return Buffer.concat(chunks, received);
}
