import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Containers Roboflow's video inference accepts, by file extension (any letter case). */
export const SUPPORTED_CONTAINERS = ['mp4', 'avi', 'mkv', 'webm'] as const;
export type Container = (typeof SUPPORTED_CONTAINERS)[number];

const CONTAINER_BY_MIME: Record<string, Container> = {
	'video/mp4': 'mp4',
	'video/x-msvideo': 'avi',
	'video/avi': 'avi',
	'video/msvideo': 'avi',
	'video/x-matroska': 'mkv',
	'video/webm': 'webm',
};

export const MAX_INFER_FPS = 120;

export function containerFromFileName(fileName: string): Container | undefined {
	const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
	return SUPPORTED_CONTAINERS.find((c) => c === ext);
}

export function containerFromMimeType(mimeType: string | undefined): Container | undefined {
	return mimeType ? CONTAINER_BY_MIME[mimeType.split(';')[0].trim().toLowerCase()] : undefined;
}

/** "Item 3" reads better to a person than "item index 2". */
export function itemLabel(itemIndex: number): string {
	return `Item ${itemIndex + 1}`;
}

export function fail(ctx: IExecuteFunctions, itemIndex: number, message: string, description: string): never {
	throw new NodeOperationError(ctx.getNode(), `${itemLabel(itemIndex)}: ${message}`, { itemIndex, description });
}

export function requireHttpUrl(ctx: IExecuteFunctions, value: unknown, itemIndex: number, field: string): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') {
		fail(
			ctx,
			itemIndex,
			`${field} is empty`,
			`Set ${field} to the input_url that Upload Video returned, or to any public http(s) URL of a video.`,
		);
	}
	let parsed: URL;
	try {
		parsed = new URL(text);
	} catch {
		fail(ctx, itemIndex, `${field} is not a URL`, `${field} must be a full http(s) address of a video, such as https://example.com/clip.mp4.`);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		fail(ctx, itemIndex, `${field} must start with http:// or https://`, 'Roboflow downloads the video from this address, so it must be a public http(s) URL.');
	}
	return text;
}

export function requireJobId(ctx: IExecuteFunctions, value: unknown, itemIndex: number): string {
	const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (text === '') {
		fail(
			ctx,
			itemIndex,
			'Job ID is empty',
			'Set Job ID to the job_id that Start Inference returned (the default expression {{ $json.job_id }} reads it from the previous node).',
		);
	}
	if (!/^[A-Za-z0-9_-]{1,128}$/.test(text)) {
		fail(ctx, itemIndex, `Job ID "${text.slice(0, 64)}" is not a Roboflow job ID`, 'A job ID looks like fec28362-f7d9-4cc0-a805-5e94495d063d: use the job_id field from Start Inference.');
	}
	return text;
}

export function requireInferFps(ctx: IExecuteFunctions, value: unknown, itemIndex: number): number {
	const fps = Number(value);
	if (!Number.isInteger(fps) || fps < 1 || fps > MAX_INFER_FPS) {
		fail(
			ctx,
			itemIndex,
			`Inference FPS must be a whole number from 1 to ${MAX_INFER_FPS}, not ${String(value)}`,
			'Pick how many frames per second Roboflow should run the models on. It may not exceed the video\'s own frame rate; ideally the video\'s frame rate is a whole multiple of it.',
		);
	}
	return fps;
}
