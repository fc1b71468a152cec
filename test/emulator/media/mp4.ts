/**
 * MP4 (ISO BMFF): duration, frame rate and picture size from the video track's headers in
 * `moov`, which is often at the end of the file, after the media data; `mdat` is skipped
 * without being read.
 */
import { MAX_HEADER_BYTES, type FileWindow } from './file-window';
import { VideoProbeError, type VideoInfo } from './video-info';

/** Top-level box types an MP4 file may start with. */
const FIRST_BOX_TYPES = ['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide'];

export function looksLikeMp4(head: Buffer): boolean {
	return FIRST_BOX_TYPES.includes(head.toString('latin1', 4, 8));
}

interface Box {
	type: string;
	/** Offset of the box payload (after the header). */
	start: number;
	/** Offset just past the box. */
	end: number;
}

/** Children of a box already loaded in memory. */
function* childBoxes(buffer: Buffer, start: number, end: number): Generator<Box> {
	let position = start;
	while (position + 8 <= end) {
		let size = buffer.readUInt32BE(position);
		const type = buffer.toString('latin1', position + 4, position + 8);
		let headerSize = 8;
		if (size === 1) {
			size = Number(buffer.readBigUInt64BE(position + 8));
			headerSize = 16;
		} else if (size === 0) {
			size = end - position;
		}
		if (size < headerSize || position + size > end) return;
		yield { type, start: position + headerSize, end: position + size };
		position += size;
	}
}

function findChild(buffer: Buffer, parent: { start: number; end: number }, type: string): Box | undefined {
	for (const box of childBoxes(buffer, parent.start, parent.end)) if (box.type === type) return box;
	return undefined;
}

/** Walks the top level with positional reads, skipping `mdat` without reading it, and loads `moov`. */
async function loadMoov(file: FileWindow): Promise<Buffer> {
	let position = 0;
	while (position + 8 <= file.size) {
		const header = await file.read(position, 16);
		if (header.length < 8) break;
		let size = header.readUInt32BE(0);
		const type = header.toString('latin1', 4, 8);
		let headerSize = 8;
		if (size === 1) {
			if (header.length < 16) break;
			size = Number(header.readBigUInt64BE(8));
			headerSize = 16;
		} else if (size === 0) {
			size = file.size - position;
		}
		if (size < headerSize) throw new VideoProbeError('The MP4 video is corrupt (invalid box size).');
		if (type === 'moov') {
			if (size > MAX_HEADER_BYTES) throw new VideoProbeError('The MP4 video header is implausibly large.');
			const moov = await file.read(position + headerSize, size - headerSize);
			if (moov.length < size - headerSize) throw new VideoProbeError('The MP4 video is truncated (incomplete moov box).');
			return moov;
		}
		position += size;
	}
	throw new VideoProbeError('The MP4 video has no moov box (truncated upload or not an MP4 file).');
}

export async function probeMp4(file: FileWindow): Promise<VideoInfo> {
	const moov = await loadMoov(file);
	const whole = { start: 0, end: moov.length };
	for (const trak of childBoxes(moov, 0, moov.length)) {
		if (trak.type !== 'trak') continue;
		const mdia = findChild(moov, trak, 'mdia');
		const hdlr = mdia && findChild(moov, mdia, 'hdlr');
		if (!mdia || !hdlr || moov.toString('latin1', hdlr.start + 8, hdlr.start + 12) !== 'vide') continue;

		const mdhd = findChild(moov, mdia, 'mdhd');
		if (!mdhd) throw new VideoProbeError('The MP4 video track has no mdhd box.');
		const { timescale, duration } = readTimescaleAndDuration(moov, mdhd.start);
		const stbl = findChild(moov, findChild(moov, mdia, 'minf') ?? whole, 'stbl');
		const stts = stbl && findChild(moov, stbl, 'stts');
		let sampleCount = 0;
		if (stts) {
			const entries = moov.readUInt32BE(stts.start + 4);
			for (let i = 0; i < entries; i++) sampleCount += moov.readUInt32BE(stts.start + 8 + i * 8);
		}
		if (sampleCount === 0 || duration === 0) {
			throw new VideoProbeError('Fragmented MP4 videos (no sample table in moov) are not supported.');
		}
		const durationSeconds = duration / timescale;
		const tkhd = findChild(moov, trak, 'tkhd');
		let width: number | undefined;
		let height: number | undefined;
		if (tkhd) {
			const at = moov[tkhd.start] === 1 ? 88 : 76;
			width = Math.round(moov.readUInt32BE(tkhd.start + at) / 65536);
			height = Math.round(moov.readUInt32BE(tkhd.start + at + 4) / 65536);
		}
		return { container: 'mp4', durationSeconds, fps: sampleCount / durationSeconds, frameCount: sampleCount, width, height };
	}
	throw new VideoProbeError('The MP4 file has no video track.');
}

/** mvhd and mdhd share this layout: version 1 uses 64-bit times. */
function readTimescaleAndDuration(buffer: Buffer, start: number): { timescale: number; duration: number } {
	if (buffer[start] === 1) {
		return { timescale: buffer.readUInt32BE(start + 20), duration: Number(buffer.readBigUInt64BE(start + 24)) };
	}
	return { timescale: buffer.readUInt32BE(start + 12), duration: buffer.readUInt32BE(start + 16) };
}
