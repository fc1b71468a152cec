import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeVideo, VideoProbeError } from '../media';
import { fixture } from './helpers';

describe('probeVideo on the real fixtures', () => {
	it.each([
		['sample.mp4', 'mp4', 4, 24, 96, 320, 240],
		['sample-moov-at-end.mp4', 'mp4', 3, 12, 36, 160, 120],
		['sample.avi', 'avi', 2, 10, 20, 160, 120],
		['sample.mkv', 'mkv', 2, 25, 50, 160, 120],
		['sample.webm', 'webm', 2, 30, 60, 160, 120],
	])('%s: %s, %d s at %d fps', async (name, container, duration, fps, frames, width, height) => {
		const info = await probeVideo(fixture(name));
		expect(info.container).toBe(container);
		expect(info.durationSeconds).toBeCloseTo(duration, 2);
		expect(info.fps).toBeCloseTo(fps, 3);
		expect(info.frameCount).toBe(frames);
		expect(info.width).toBe(width);
		expect(info.height).toBe(height);
	});
});

describe('probeVideo on unreadable input', () => {
	let dir: string;
	beforeAll(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'probe-test-'));
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const write = (name: string, bytes: Buffer | string): string => {
		const file = path.join(dir, name);
		writeFileSync(file, bytes);
		return file;
	};

	it('refuses a file that is no video, with a clear message', async () => {
		await expect(probeVideo(write('notes.mp4', 'hello, this is not a video at all'))).rejects.toThrow(
			new VideoProbeError('Unsupported video format: only MP4, AVI, MKV and WebM videos can be processed.'),
		);
	});

	it('refuses an MP4 cut off before its moov box', async () => {
		const whole = readFileSync(fixture('sample-moov-at-end.mp4'));
		await expect(probeVideo(write('cut.mp4', whole.subarray(0, whole.length - 600)))).rejects.toThrow(/moov/);
	});

	it('refuses an empty file and a missing file', async () => {
		await expect(probeVideo(write('empty.webm', ''))).rejects.toThrow(/empty or truncated/);
		await expect(probeVideo(path.join(dir, 'nope.mkv'))).rejects.toThrow(/could not be opened/);
	});

	it('estimates fps and duration of a live-written WebM without Duration or DefaultDuration', async () => {
		const file = write('live.webm', liveWebm({ fps: 15, frames: 45 }));
		const info = await probeVideo(file);
		expect(info.container).toBe('webm');
		expect(info.fps).toBeCloseTo(15, 0);
		expect(info.durationSeconds).toBeCloseTo(3, 1);
	});
});

/** EBML element with a known size (8-byte size field, always valid). */
function element(id: number[], body: Buffer): Buffer {
	const size = Buffer.alloc(8);
	size.writeBigUInt64BE(BigInt(body.length));
	size[0] |= 0x01; // 8-byte vint marker
	return Buffer.concat([Buffer.from(id), size, body]);
}
const uint = (id: number[], value: number): Buffer => element(id, Buffer.from([value >> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255]));
const unknownSize = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** A WebM the way browsers' MediaRecorder writes it: unknown sizes, no Duration, no DefaultDuration. */
function liveWebm({ fps, frames }: { fps: number; frames: number }): Buffer {
	const header = element([0x1a, 0x45, 0xdf, 0xa3], element([0x42, 0x82], Buffer.from('webm')));
	const info = element([0x15, 0x49, 0xa9, 0x66], uint([0x2a, 0xd7, 0xb1], 1_000_000));
	const video = element([0xe0], Buffer.concat([uint([0xb0], 64), uint([0xba], 48)]));
	const track = element([0xae], Buffer.concat([uint([0xd7], 1), uint([0x83], 1), video]));
	const tracks = element([0x16, 0x54, 0xae, 0x6b], track);
	const clusters: Buffer[] = [];
	const perCluster = fps; // one cluster per second
	for (let start = 0; start < frames; start += perCluster) {
		const clusterTime = Math.round((start * 1000) / fps);
		const blocks: Buffer[] = [uint([0xe7], clusterTime)];
		for (let f = start; f < Math.min(frames, start + perCluster); f++) {
			const relative = Math.round((f * 1000) / fps) - clusterTime;
			const block = Buffer.from([0x81, (relative >> 8) & 255, relative & 255, 0x80, 0, 0, 0]);
			blocks.push(element([0xa3], block));
		}
		clusters.push(Buffer.concat([Buffer.from([0x1f, 0x43, 0xb6, 0x75]), unknownSize, ...blocks]));
	}
	return Buffer.concat([header, Buffer.from([0x18, 0x53, 0x80, 0x67]), unknownSize, info, tracks, ...clusters]);
}
