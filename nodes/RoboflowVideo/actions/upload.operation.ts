import type { IBinaryData, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { randomString, updateDisplayOptions } from 'n8n-workflow';

import {
	containerFromFileName,
	containerFromMimeType,
	fail,
	SUPPORTED_CONTAINERS,
} from '../helpers/validation';
import { roboflowApiRequest } from '../transport';
import { putToSignedUrl } from '../transport/storage';

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

export const description = updateDisplayOptions({ show: { operation: ['uploadVideo'] } }, properties);

interface VideoSource {
	fileName: string;
	mimeType: string;
	sizeBytes: number;
	binary: IBinaryData;
}

/** Everything that can be checked about the video before any network call. */
async function inspectVideo(this: IExecuteFunctions, itemIndex: number): Promise<VideoSource> {
	const field = (this.getNodeParameter('binaryPropertyName', itemIndex) as string).trim();
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

	const options = this.getNodeParameter('options', itemIndex, {}) as { fileName?: string };
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

	const sizeBytes = binary.id
		? (await this.helpers.getBinaryMetadata(binary.id)).fileSize
		: Buffer.byteLength(binary.data ?? '', 'base64');
	if (!sizeBytes) {
		fail(this, itemIndex, `the video in "${field}" is empty (0 bytes)`, 'Check the node that produced the file: it wrote no content.');
	}
	return { fileName, mimeType: binary.mimeType || 'application/octet-stream', sizeBytes, binary };
}

/**
 * Roboflow keeps uploads in one folder per workspace, by file name: two executions uploading
 * "clip.mp4" at once would overwrite each other before their jobs read the video. A short
 * random suffix keeps each upload apart and the name still recognisable.
 */
export function uniqueStorageName(fileName: string): string {
	const dot = fileName.lastIndexOf('.');
	const stem = fileName.slice(0, dot).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'video';
	return `${stem}-${randomString(8).toLowerCase()}${fileName.slice(dot).toLowerCase()}`;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const video = await inspectVideo.call(this, itemIndex);

	const storedName = uniqueStorageName(video.fileName);
	const response = await roboflowApiRequest.call(this, 'POST', '/video_upload_signed_url/', {
		body: { file_name: storedName },
		itemIndex,
		action: 'asking for an upload link',
	});
	const signedUrl = response.signed_url;
	if (typeof signedUrl !== 'string' || !/^https?:\/\//.test(signedUrl)) {
		fail(this, itemIndex, 'Roboflow returned no upload link', 'Try again; if it persists, check Roboflow\'s status page.');
	}

	// Filesystem and S3 binary modes hand out a stream, so even a large video never sits in
	// memory; only the in-memory mode keeps bytes inline, and then a buffer is all there is.
	const body = video.binary.id
		? await this.helpers.getBinaryStream(video.binary.id)
		: await this.helpers.getBinaryDataBuffer(itemIndex, video.binary);
	await putToSignedUrl.call(this, signedUrl, body, video.sizeBytes, itemIndex);

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
