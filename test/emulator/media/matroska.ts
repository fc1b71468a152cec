/**
 * Matroska and WebM (EBML): duration from Info, frame rate from the video track's
 * DefaultDuration or, without it, from the timestamps of its first blocks.
 */
import { MAX_HEADER_BYTES, type FileWindow } from './file-window';
import { VideoProbeError, type VideoContainer, type VideoInfo } from './video-info';

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

export function looksLikeEbml(head: Buffer): boolean {
	return head.readUInt32BE(0) === EBML.Header;
}

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

export async function probeEbml(file: FileWindow): Promise<VideoInfo> {
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
