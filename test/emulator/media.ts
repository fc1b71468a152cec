/**
 * Video probing for the emulator: how long is the video and at what frame rate?
 *
 * The real service decodes the video; the emulator only needs duration, frame
 * rate and picture size to build a results file with the right frame offsets
 * and to refuse an infer_fps above the video's own rate. So we parse container
 * headers directly, reading only the bytes we need: uploads can be 1 GiB and an
 * MP4's `moov` box is often at the very end, after the media data.
 *
 * Supported, like the real API: MP4 (ISO-BMFF), AVI (RIFF), Matroska and WebM
 * (EBML). Anything else, or a file we cannot make sense of, raises
 * VideoProbeError with a message fit to show a user (never a stack trace).
 */
import { open, type FileHandle } from 'node:fs/promises';

export type VideoContainer = 'mp4' | 'avi' | 'mkv' | 'webm';

export interface VideoInfo {
	container: VideoContainer;
	durationSeconds: number;
	/** Frames per second of the video track (not rounded to an integer: 29.97 stays 29.97). */
	fps: number;
	frameCount: number;
	width?: number;
	height?: number;
}

export class VideoProbeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'VideoProbeError';
	}
}

/** The only video formats the real API accepts, as file name extensions. */
export const SUPPORTED_VIDEO_EXTENSIONS: readonly string[] = ['mp4', 'avi', 'mkv', 'webm'];

export function extensionOf(fileName: string): string {
	const dot = fileName.lastIndexOf('.');
	return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/** Header structures bigger than this are treated as corrupt rather than read into memory. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** Positional reads on an open file; never reads the whole file. */
class FileWindow {
	constructor(
		private readonly handle: FileHandle,
		readonly size: number,
	) {}

	async read(position: number, length: number): Promise<Buffer> {
		const wanted = Math.max(0, Math.min(length, this.size - position));
		const buffer = Buffer.alloc(wanted);
		let filled = 0;
		while (filled < wanted) {
			const { bytesRead } = await this.handle.read(buffer, filled, wanted - filled, position + filled);
			if (bytesRead === 0) break;
			filled += bytesRead;
		}
		return buffer.subarray(0, filled);
	}
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
	if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'AVI ') return probeAvi(file);
	if (head.readUInt32BE(0) === EBML.Header) return probeEbml(file);
	if (['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide'].includes(head.toString('latin1', 4, 8))) return probeMp4(file);
	throw new VideoProbeError('Unsupported video format: only MP4, AVI, MKV and WebM videos can be processed.');
}

// ---------------------------------------------------------------- MP4 (ISO BMFF)

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

async function probeMp4(file: FileWindow): Promise<VideoInfo> {
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

// ---------------------------------------------------------------- AVI (RIFF)

async function probeAvi(file: FileWindow): Promise<VideoInfo> {
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

// ---------------------------------------------------------------- Matroska / WebM (EBML)

const EBML = {
	Header: 0x1a45dfa3,
	DocType: 0x4282,
	Segment: 0x18538067,
	Info: 0x1549a966,
	TimecodeScale: 0x2ad7b1,
	Duration: 0x4489,
	Tracks: 0x1654ae6b,
	TrackEntry: 0xae,
	TrackNumber: 0xd7,
	TrackType: 0x83,
	DefaultDuration: 0x23e383,
	Video: 0xe0,
	PixelWidth: 0xb0,
	PixelHeight: 0xba,
	Cluster: 0x1f43b675,
	Timecode: 0xe7,
	SimpleBlock: 0xa3,
	BlockGroup: 0xa0,
	Block: 0xa1,
} as const;

const TRACK_TYPE_VIDEO = 1;
/** Without DefaultDuration, this many video block timestamps give a stable frame rate estimate. */
const TIMESTAMPS_FOR_FPS_ESTIMATE = 120;

interface EbmlElement {
	id: number;
	/** null: "unknown size" (live-written files such as browser MediaRecorder WebM). */
	size: number | null;
	headerLength: number;
}

function readVint(buffer: Buffer, at: number, keepMarker: boolean): { value: number; length: number; allOnes: boolean } | null {
	const first = buffer[at];
	if (first === undefined || first === 0) return null;
	let length = 1;
	while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
	if (length > 8 || at + length > buffer.length) return null;
	let value = keepMarker ? first : first & (0xff >> length);
	let allOnes = (first & (0xff >> length)) === 0xff >> length;
	for (let i = 1; i < length; i++) {
		value = value * 256 + buffer[at + i];
		if (buffer[at + i] !== 0xff) allOnes = false;
	}
	return { value, length, allOnes };
}

function parseElementHeader(buffer: Buffer, at: number): EbmlElement | null {
	const id = readVint(buffer, at, true);
	if (!id) return null;
	const size = readVint(buffer, at + id.length, false);
	if (!size) return null;
	return { id: id.value, size: size.allOnes ? null : size.value, headerLength: id.length + size.length };
}

function* ebmlChildren(buffer: Buffer, start: number, end: number): Generator<EbmlElement & { start: number }> {
	let position = start;
	while (position < end) {
		const element = parseElementHeader(buffer, position);
		if (!element || element.size === null) return;
		yield { ...element, start: position + element.headerLength };
		position += element.headerLength + element.size;
	}
}

function readUint(buffer: Buffer, start: number, size: number): number {
	let value = 0;
	for (let i = 0; i < size; i++) value = value * 256 + buffer[start + i];
	return value;
}

function readFloat(buffer: Buffer, start: number, size: number): number {
	if (size === 4) return buffer.readFloatBE(start);
	if (size === 8) return buffer.readDoubleBE(start);
	return Number.NaN;
}

interface VideoTrack {
	number: number;
	defaultDurationNs?: number;
	width?: number;
	height?: number;
}

async function probeEbml(file: FileWindow): Promise<VideoInfo> {
	const headerBytes = await file.read(0, 64);
	const header = parseElementHeader(headerBytes, 0);
	if (!header || header.size === null || header.headerLength + header.size > headerBytes.length) {
		throw new VideoProbeError('The Matroska/WebM video has a corrupt EBML header.');
	}
	let docType = 'matroska';
	for (const child of ebmlChildren(headerBytes, header.headerLength, header.headerLength + header.size)) {
		if (child.id === EBML.DocType) docType = headerBytes.toString('latin1', child.start, child.start + child.size!);
	}
	if (docType !== 'matroska' && docType !== 'webm') throw new VideoProbeError(`Unsupported EBML document type "${docType}".`);
	const container: VideoContainer = docType === 'webm' ? 'webm' : 'mkv';

	let position = header.headerLength + header.size;
	const segmentHeader = await file.read(position, 12);
	const segment = parseElementHeader(segmentHeader, 0);
	if (!segment || segment.id !== EBML.Segment) throw new VideoProbeError('The Matroska/WebM video has no Segment.');
	position += segment.headerLength;
	const segmentEnd = segment.size === null ? file.size : Math.min(file.size, position + segment.size);

	let timecodeScale = 1_000_000; // Matroska default: timestamps in milliseconds
	let durationTicks: number | undefined;
	let track: VideoTrack | undefined;
	let clusterTimecode = 0;
	const blockTimestamps: number[] = [];

	// Cluster and BlockGroup are stepped into rather than skipped, so clusters of
	// unknown size (live-written WebM) are handled the same as sized ones.
	while (position < segmentEnd) {
		const bytes = await file.read(position, 12);
		const element = parseElementHeader(bytes, 0);
		if (!element) break;
		const bodyStart = position + element.headerLength;
		const haveHeaders = durationTicks !== undefined && track?.defaultDurationNs !== undefined;

		if (element.id === EBML.Cluster) {
			if (haveHeaders) break;
			position = bodyStart;
			continue;
		}
		if (element.id === EBML.BlockGroup) {
			position = bodyStart;
			continue;
		}
		if (element.size === null) break;

		if (element.id === EBML.Info || element.id === EBML.Tracks) {
			if (element.size > MAX_HEADER_BYTES) throw new VideoProbeError('The Matroska/WebM header is implausibly large.');
			const body = await file.read(bodyStart, element.size);
			if (element.id === EBML.Info) {
				for (const child of ebmlChildren(body, 0, body.length)) {
					if (child.id === EBML.TimecodeScale) timecodeScale = readUint(body, child.start, child.size!);
					if (child.id === EBML.Duration) durationTicks = readFloat(body, child.start, child.size!);
				}
			} else {
				track = findVideoTrack(body);
			}
		} else if (element.id === EBML.Timecode) {
			clusterTimecode = readUint(await file.read(bodyStart, element.size), 0, element.size);
		} else if ((element.id === EBML.SimpleBlock || element.id === EBML.Block) && track) {
			const blockHead = await file.read(bodyStart, 11);
			const trackNumber = readVint(blockHead, 0, false);
			if (trackNumber && trackNumber.value === track.number) {
				blockTimestamps.push(clusterTimecode + blockHead.readInt16BE(trackNumber.length));
				// With the duration known, a handful of timestamps is all the frame rate estimate needs.
				if (durationTicks !== undefined && blockTimestamps.length >= TIMESTAMPS_FOR_FPS_ESTIMATE) break;
			}
		}
		position = bodyStart + element.size;
	}

	if (!track) throw new VideoProbeError('The Matroska/WebM file has no video track.');

	const sorted = [...new Set(blockTimestamps)].sort((a, b) => a - b);
	let fps: number | undefined;
	if (track.defaultDurationNs) {
		fps = 1e9 / track.defaultDurationNs;
	} else if (sorted.length >= 2) {
		fps = ((sorted.length - 1) * 1e9) / ((sorted[sorted.length - 1] - sorted[0]) * timecodeScale);
	}
	if (!fps) throw new VideoProbeError('The Matroska/WebM video has no frame rate (no DefaultDuration and too few frames).');

	let durationSeconds: number;
	if (durationTicks !== undefined && durationTicks > 0) {
		durationSeconds = (durationTicks * timecodeScale) / 1e9;
	} else if (sorted.length >= 1) {
		// No Duration element: the last frame's timestamp plus one frame.
		durationSeconds = ((sorted[sorted.length - 1] - sorted[0]) * timecodeScale) / 1e9 + 1 / fps;
	} else {
		throw new VideoProbeError('The Matroska/WebM video has no duration and no frames.');
	}
	fps = Math.round(fps * 1000) / 1000;
	return {
		container,
		durationSeconds,
		fps,
		frameCount: Math.round(durationSeconds * fps),
		width: track.width,
		height: track.height,
	};
}

function findVideoTrack(tracks: Buffer): VideoTrack | undefined {
	for (const entry of ebmlChildren(tracks, 0, tracks.length)) {
		if (entry.id !== EBML.TrackEntry) continue;
		const track: VideoTrack = { number: 0 };
		let type = 0;
		for (const field of ebmlChildren(tracks, entry.start, entry.start + entry.size!)) {
			if (field.id === EBML.TrackNumber) track.number = readUint(tracks, field.start, field.size!);
			if (field.id === EBML.TrackType) type = readUint(tracks, field.start, field.size!);
			if (field.id === EBML.DefaultDuration) track.defaultDurationNs = readUint(tracks, field.start, field.size!);
			if (field.id === EBML.Video) {
				for (const video of ebmlChildren(tracks, field.start, field.start + field.size!)) {
					if (video.id === EBML.PixelWidth) track.width = readUint(tracks, video.start, video.size!);
					if (video.id === EBML.PixelHeight) track.height = readUint(tracks, video.start, video.size!);
				}
			}
		}
		if (type === TRACK_TYPE_VIDEO) return track;
	}
	return undefined;
}
