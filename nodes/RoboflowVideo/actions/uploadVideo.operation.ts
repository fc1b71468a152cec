import type { IBinaryData, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { randomString, updateDisplayOptions } from 'n8n-workflow';

import { databaseModeRefusal } from '../helpers/binaryDataMode';
import {
	containerFromFileName,
	containerFromMimeType,
	fail,
	SUPPORTED_CONTAINERS,
} from '../helpers/validation';
import { roboflowApiRequest, unreadableAnswer } from '../transport';
import { uploadToSignedUrl } from '../transport/storage';

const properties: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		placeholder: 'e.g. data',
		hint: 'The name of the input binary field that holds the video',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. warehouse-cam-2024-05-01.mp4',
				description:
					'Name for the video at Roboflow, before the short random suffix that keeps concurrent uploads apart. Defaults to the binary file\'s own name. Must end in .mp4, .avi, .mkv or .webm.',
			},
		],
	},
];

// Not in the AI agent tool variant (its Operation does not offer Upload Video): an agent cannot pass binary input.
export const description = updateDisplayOptions({ show: { operation: ['uploadVideo'], '@tool': [false] } }, properties);

interface VideoSource {
	fileName: string;
	mimeType: string;
	sizeBytes: number;
	binary: IBinaryData;
	/** The input binary field that holds it. */
	binaryField: string;
}

/** Longest stored name sent to Roboflow; longer file names are shortened (the extension kept). */
export const MAX_STORED_NAME_LENGTH = 120;

/** Everything that can be checked about the video before any network call. */
export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<VideoSource> {
	const fieldValue = this.getNodeParameter('binaryPropertyName', itemIndex);
	if (typeof fieldValue !== 'string' || fieldValue.trim() === '') {
		fail(this, itemIndex, 'Input Binary Field is empty', 'Set Input Binary Field to the name of the binary field that holds the video, e.g. data.');
	}
	const field = fieldValue.trim();
	const item = this.getInputData()[itemIndex];
	const binary = item.binary?.[field];
	if (!binary) {
		const present = Object.keys(item.binary ?? {});
		fail(
			this,
			itemIndex,
			`has no binary field "${field}"`,
			present.length
				? `Set Input Binary Field to the field that holds the video. This item's binary fields are: ${present.join(', ')}.`
				: 'This item carries no binary data. Load the video first, for example with Read/Write Files from Disk, HTTP Request (response format File) or Google Drive (Download).',
		);
	}

	const options = this.getNodeParameter('options', itemIndex, {}) as { fileName?: unknown };
	if (options.fileName !== undefined && typeof options.fileName !== 'string') {
		fail(this, itemIndex, 'Options → File Name must be text', 'Set it to a name such as warehouse-cam.mp4, or remove the option to use the file\'s own name.');
	}
	const fromMime = containerFromMimeType(binary.mimeType);
	let fileName = (options.fileName ?? '').trim() || binary.fileName || '';
	if (!fileName && fromMime) fileName = `video.${fromMime}`;
	if (!containerFromFileName(fileName)) {
		fail(
			this,
			itemIndex,
			`"${fileName || '(no file name)'}" is not a video Roboflow accepts`,
			`Roboflow's video inference takes ${SUPPORTED_CONTAINERS.join(', ')} files. Convert the video, or if it already is one, set Options → File Name with the right extension.`,
		);
	}

	// The metadata is the stored size: in every mode, database included, it reads no file content.
	const sizeBytes = binary.id
		? (await this.helpers.getBinaryMetadata(binary.id)).fileSize
		: Buffer.byteLength(binary.data ?? '', 'base64');
	if (!sizeBytes) {
		fail(this, itemIndex, `the video in "${field}" is empty (0 bytes)`, 'Check the node that produced the file: it wrote no content.');
	}
	// Decided from the stored size alone: in database mode, reading the file is what would hang.
	const refusal = databaseModeRefusal(binary.id, sizeBytes);
	if (refusal) fail(this, itemIndex, refusal.message, refusal.description);
	return { fileName: fileName.length > 255 ? fileName.slice(0, 200) + fileName.slice(fileName.lastIndexOf('.')) : fileName, mimeType: binary.mimeType || 'application/octet-stream', sizeBytes, binary, binaryField: field };
}

/**
 * Roboflow keeps uploads in one folder per workspace, by file name: two executions uploading
 * "clip.mp4" at once would overwrite each other before their jobs read the video. A short
 * random suffix keeps each upload apart and the name still recognisable.
 */
export function uniqueStorageName(fileName: string): string {
	const dot = fileName.lastIndexOf('.');
	const extension = fileName.slice(dot).toLowerCase();
	const room = MAX_STORED_NAME_LENGTH - extension.length - 9;
	const stem =
		fileName
			.slice(0, dot)
			.replace(/[^A-Za-z0-9._-]+/g, '-')
			.slice(0, room)
			.replace(/^-+|-+$/g, '') || 'video';
	return `${stem}-${randomString(8).toLowerCase()}${extension}`;
}

export async function execute(this: IExecuteFunctions, video: VideoSource, itemIndex: number): Promise<INodeExecutionData[]> {
	const storedName = uniqueStorageName(video.fileName);
	const response = await roboflowApiRequest.call(this, {
		method: 'POST',
		endpoint: '/video_upload_signed_url/',
		body: { file_name: storedName },
		step: 'uploadLink',
		action: 'asking for an upload link',
		itemIndex,
		// Asking twice only makes a second link: harmless.
		idempotent: true,
		keepFields: ['signed_url'],
	});
	const signedUrl = typeof response.signed_url === 'string' ? response.signed_url.trim() : '';
	if (!/^https?:\/\/[^\s/]+\/\S*$/.test(signedUrl)) {
		const problem = response.signed_url === undefined ? 'it holds no upload link' : 'its upload link is not an http(s) URL';
		throw unreadableAnswer(this.getNode(), { step: 'uploadLink', action: 'asking for an upload link', itemIndex }, problem, response);
	}

	// Filesystem and S3 binary modes hand out a stream, so even a large video never sits in
	// memory; only the in-memory mode keeps bytes inline, and then a buffer is all there is.
	// Each upload attempt opens the video anew: a stream can be read only once.
	const openBody = async () =>
		video.binary.id
			? await this.helpers.getBinaryStream(video.binary.id, UPLOAD_CHUNK_BYTES)
			: await this.helpers.getBinaryDataBuffer(itemIndex, video.binaryField);
	await uploadToSignedUrl.call(this, signedUrl, openBody, video.sizeBytes, itemIndex);

	return [
		{
			json: {
				input_url: signedUrl,
				file_name: video.fileName,
				stored_as: storedName,
				size_bytes: video.sizeBytes,
				mime_type: video.mimeType,
			},
		},
	];
}

/**
 * Larger reads than n8n's 64 KiB default (0.18-0.21x curl -T). Larger still help only a little:
 * n8n's stream reads every chunk into a new buffer, so the whole file passes through new buffers
 * whatever the size; V8 counts them as external memory and, on Node 24, runs a full garbage
 * collection for about every 40-64 MiB of them. `npm run bench:upload` (1 GiB, Node 24, busy
 * 2-core machine): 512 KiB 0.32-0.38x with 13-55 MiB growth; 2 MiB 0.37-0.47x but 48-78 MiB;
 * 4 and 8 MiB 0.47-0.49x and 92-144 MiB, past the 64 MiB limit. `npm run probe:upload-gc` shows
 * where the time goes.
 */
const UPLOAD_CHUNK_BYTES = 512 * 1024;
