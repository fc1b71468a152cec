import { formatMiB } from '../results/outputSize';

/**
 * Where n8n keeps a binary, read from its id: n8n-core names a stored binary
 * `<mode>:<file id>` (BinaryDataService.createBinaryDataId), e.g. `database:<uuid>`,
 * `filesystem-v2:<path>`, `s3:<key>`. A binary without an id has its bytes inline (memory mode).
 */
export function binaryDataModeOf(binaryId: string | undefined): string | undefined {
	if (!binaryId) return undefined;
	const colon = binaryId.indexOf(':');
	return colon > 0 ? binaryId.slice(0, colon) : undefined;
}

/**
 * The largest video Upload Video reads from n8n's `database` binary data mode (queue mode's
 * default). That mode has no stream: n8n loads the whole file, PostgreSQL hands it over as a hex
 * string of twice its size, and a file of 268,435,443 bytes or more (just under 256 MiB) makes that string
 * longer than V8 allows, so the execution hangs as "running" for ever. Below that, memory is the
 * limit: a 200 MB upload cost the worker about 1.35 GB (~7x). At 64 MiB one upload peaks near
 * 450 MiB, which with an idle worker's ~330 MB (measured) still fits a 1 GiB container; 128 MiB
 * would need ~900 MiB on top, and several uploads at once (workers run 10 executions) multiply
 * it. About a quarter of the hang point also leaves room should a driver need more than measured.
 */
export const DATABASE_MODE_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export interface UploadRefusal {
	message: string;
	description: string;
}

/**
 * Why a video must not be read for upload, or undefined when it may. Decided from the id and the
 * stored size alone, so nothing of the file is read to decide it.
 */
export function databaseModeRefusal(binaryId: string | undefined, sizeBytes: number, maxBytes = DATABASE_MODE_MAX_UPLOAD_BYTES): UploadRefusal | undefined {
	if (binaryDataModeOf(binaryId) !== 'database' || sizeBytes <= maxBytes) return undefined;
	return {
		message: `the video is ${formatMiB(sizeBytes)} (${sizeBytes.toLocaleString('en-US')} bytes), more than Upload Video reads from n8n's "database" binary data mode (at most ${formatMiB(maxBytes)})`,
		description:
			`In binary data mode "database" (queue mode's default) n8n cannot stream a file: it loads all of it into memory, ` +
			`about 7 times the file's size, and a file over 256 MiB makes the execution hang. Either set ` +
			`N8N_DEFAULT_BINARY_DATA_MODE=filesystem on every n8n process (main and workers must then share the binary data folder) ` +
			`or N8N_DEFAULT_BINARY_DATA_MODE=s3, or skip Upload Video and give Start Inference the video's URL instead.`,
	};
}
