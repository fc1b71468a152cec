/**
 * Video probing for the emulator: how long is the video and at what frame rate?
 *
 * The real service decodes the video; the emulator only needs duration, frame
 * rate and picture size to build a results file with the right frame offsets
 * and to refuse an infer_fps above the video's own rate. So we parse container
 * headers directly, reading only the bytes we need: uploads can be 1 GiB and an
 * MP4's `moov` box is often at the very end, after the media data.
 *
 * Supported, like the real API: MP4 (ISO-BMFF, mp4.ts), AVI (RIFF, avi.ts), Matroska
 * and WebM (EBML, matroska.ts). Anything else, or a file we cannot make sense of, raises
 * VideoProbeError with a message fit to show a user (never a stack trace).
 */
import { open, type FileHandle } from 'node:fs/promises';

import { probeAvi, looksLikeAvi } from './avi';
import { FileWindow } from './file-window';
import { probeEbml, looksLikeEbml } from './matroska';
import { probeMp4, looksLikeMp4 } from './mp4';
import { VideoProbeError, type VideoInfo } from './video-info';

export { VideoProbeError, type VideoContainer, type VideoInfo } from './video-info';

/** The only video formats the real API accepts, as file name extensions. */
export const SUPPORTED_VIDEO_EXTENSIONS: readonly string[] = ['mp4', 'avi', 'mkv', 'webm'];

export function extensionOf(fileName: string): string {
	const dot = fileName.lastIndexOf('.');
	return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

export async function probeVideo(filePath: string): Promise<VideoInfo> {
	let handle: FileHandle;
	try {
		handle = await open(filePath, 'r');
	} catch {
		throw new VideoProbeError('The input video could not be opened.');
	}
	try {
		const { size } = await handle.stat();
		const file = new FileWindow(handle, size);
		if (size < 16) throw new VideoProbeError('The input video is empty or truncated.');
		const head = await file.read(0, 16);
		const info = await probeByContent(file, head);
		if (!(info.durationSeconds > 0) || !(info.fps > 0) || !Number.isFinite(info.fps)) {
			throw new VideoProbeError(`The ${info.container.toUpperCase()} video has no readable duration or frame rate.`);
		}
		return info;
	} catch (error) {
		if (error instanceof VideoProbeError) throw error;
		throw new VideoProbeError(`The input video could not be read (${(error as Error).message}).`);
	} finally {
		await handle.close();
	}
}

async function probeByContent(file: FileWindow, head: Buffer): Promise<VideoInfo> {
	if (looksLikeAvi(head)) return probeAvi(file);
	if (looksLikeEbml(head)) return probeEbml(file);
	if (looksLikeMp4(head)) return probeMp4(file);
	throw new VideoProbeError('Unsupported video format: only MP4, AVI, MKV and WebM videos can be processed.');
}
