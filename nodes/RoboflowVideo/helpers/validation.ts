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

/** How a value that is not text reads in an error: "a number (42)", "an object", "a list". */
export function describeValue(value: unknown): string {
	if (value === null || value === undefined) return 'empty';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'number') return `a number (${String(value)})`;
	if (typeof value === 'boolean') return `a boolean (${String(value)})`;
	return typeof value;
}

export function requireHttpUrl(ctx: IExecuteFunctions, value: unknown, itemIndex: number, field: string): string {
	if (value !== undefined && value !== null && typeof value !== 'string') {
		fail(ctx, itemIndex, `${field} is ${describeValue(value)}, not a URL`, `Set ${field} to the input_url that Upload Video returned, or to any public http(s) URL of a video.`);
	}
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') {
		fail(
			ctx,
			itemIndex,
			`${field} is empty`,
			`Set ${field} to the input_url that Upload Video returned, or to any public http(s) URL of a video.`,
		);
	}
	if (/\s/.test(text)) {
		fail(ctx, itemIndex, `${field} contains spaces`, 'A URL cannot hold raw spaces: encode them as %20 (an expression such as {{ encodeURI($json.url) }} does it).');
	}
	if (text.length > MAX_URL_LENGTH) {
		fail(ctx, itemIndex, `${field} is ${text.length} characters long`, `URLs longer than ${MAX_URL_LENGTH} characters are refused by web servers; use a shorter link to the video.`);
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
	if (!parsed.hostname) {
		fail(ctx, itemIndex, `${field} has no host name`, 'Use a full address such as https://example.com/clip.mp4.');
	}
	return text;
}

export const MAX_URL_LENGTH = 8192;

export function requireJobId(ctx: IExecuteFunctions, value: unknown, itemIndex: number): string {
	const fix = 'Set Job ID to the job_id that Start Inference returned (the default expression {{ $json.job_id }} reads it from the previous node).';
	if (value !== undefined && value !== null && typeof value !== 'string') {
		fail(ctx, itemIndex, `Job ID is ${describeValue(value)}, not a Roboflow job ID`, `${fix} A job ID is text such as fec28362-f7d9-4cc0-a805-5e94495d063d.`);
	}
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') fail(ctx, itemIndex, 'Job ID is empty', fix);
	if (!/^[A-Za-z0-9_-]{1,128}$/.test(text)) {
		fail(ctx, itemIndex, `Job ID "${text.slice(0, 64)}${text.length > 64 ? '…' : ''}" is not a Roboflow job ID`, 'A job ID looks like fec28362-f7d9-4cc0-a805-5e94495d063d: use the job_id field from Start Inference.');
	}
	return text;
}

export function requireInferFps(ctx: IExecuteFunctions, value: unknown, itemIndex: number): number {
	const fps = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '') ? Number(value) : NaN;
	if (!Number.isInteger(fps) || fps < 1 || fps > MAX_INFER_FPS) {
		fail(
			ctx,
			itemIndex,
			`Inference FPS must be a whole number from 1 to ${MAX_INFER_FPS}, not ${value !== null && typeof value === 'object' ? describeValue(value) : String(value)}`,
			'Pick how many frames per second Roboflow should run the models on. It may not exceed the video\'s own frame rate; ideally the video\'s frame rate is a whole multiple of it.',
		);
	}
	return fps;
}
