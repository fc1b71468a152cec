/** AVI (RIFF): frame rate, frame count and picture size from the header list `hdrl` at the start. */
import { MAX_HEADER_BYTES, type FileWindow } from './file-window';
import { VideoProbeError, type VideoInfo } from './video-info';

export function looksLikeAvi(head: Buffer): boolean {
	return head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'AVI ';
}

export async function probeAvi(file: FileWindow): Promise<VideoInfo> {
	// The first chunk of the AVI form is LIST 'hdrl' holding every header we need.
	const listHeader = await file.read(12, 12);
	if (listHeader.toString('latin1', 0, 4) !== 'LIST' || listHeader.toString('latin1', 8, 12) !== 'hdrl') {
		throw new VideoProbeError('The AVI video has no header list (hdrl).');
	}
	const hdrlSize = listHeader.readUInt32LE(4);
	if (hdrlSize > MAX_HEADER_BYTES) throw new VideoProbeError('The AVI video header is implausibly large.');
	const hdrl = await file.read(24, hdrlSize - 4);

	let microSecondsPerFrame = 0;
	let totalFrames = 0;
	let width: number | undefined;
	let height: number | undefined;
	let streamRate: { rate: number; scale: number; length: number } | undefined;
	let openDmlTotalFrames = 0;

	const walk = (start: number, end: number): void => {
		let position = start;
		while (position + 8 <= end) {
			const id = hdrl.toString('latin1', position, position + 4);
			const size = hdrl.readUInt32LE(position + 4);
			const body = position + 8;
			if (id === 'avih' && size >= 40) {
				microSecondsPerFrame = hdrl.readUInt32LE(body);
				totalFrames = hdrl.readUInt32LE(body + 16);
				width = hdrl.readUInt32LE(body + 32);
				height = hdrl.readUInt32LE(body + 36);
			} else if (id === 'strh' && size >= 36 && !streamRate && hdrl.toString('latin1', body, body + 4) === 'vids') {
				streamRate = { scale: hdrl.readUInt32LE(body + 20), rate: hdrl.readUInt32LE(body + 24), length: hdrl.readUInt32LE(body + 32) };
			} else if (id === 'dmlh' && size >= 4) {
				// OpenDML (files over 1 GiB): avih only counts frames in the first RIFF chunk.
				openDmlTotalFrames = hdrl.readUInt32LE(body);
			} else if (id === 'LIST') {
				walk(body + 4, Math.min(end, body + size));
			}
			position = body + size + (size % 2); // chunks are padded to even sizes
		}
	};
	walk(0, hdrl.length);

	const fps =
		streamRate && streamRate.rate > 0 && streamRate.scale > 0
			? streamRate.rate / streamRate.scale
			: microSecondsPerFrame > 0
				? 1_000_000 / microSecondsPerFrame
				: 0;
	const frameCount = openDmlTotalFrames || streamRate?.length || totalFrames;
	if (!fps || !frameCount) throw new VideoProbeError('The AVI video header has no frame rate or frame count.');
	return { container: 'avi', durationSeconds: frameCount / fps, fps, frameCount, width, height };
}
