/**
 * Probe (not a test, no verdict): why Upload Video's throughput depends on V8's garbage collector,
 * and what an upload costs when no buffer is allocated per chunk. `npm run bench:upload` is the
 * benchmark; this takes its path apart, in one process, against the same discarding sink:
 *
 *   npm run probe:upload-gc                   # 1 GiB, 2 uploads per case
 *   BENCH_UPLOAD_MIB=512 npm run probe:upload-gc
 *
 * Cases, in this order (the order matters: a process's GC state carries over):
 *  - n8n, no forced GC: what Upload Video's helpers do (n8n-core's BinaryDataService.getAsStream
 *    behind `helpers.getBinaryStream`, 512 KiB chunks, into `helpers.httpRequest`'s OutboundHttp,
 *    with the node's options), in a process that has had no full GC since it stored the video;
 *  - n8n, full GC before each: the same after a full collection, as bench:upload starts each round
 *    (to measure memory growth from a clean baseline);
 *  - two reused buffers, full GC before each: the file read into two 512 KiB buffers in turn, each
 *    written to the socket before it is read into again. No allocation per chunk. A community node
 *    cannot do this (it may not read files); it is what n8n-core would have to do.
 * Each line: throughput, this process's CPU time (all threads) and its full (mark-compact) GCs.
 */
import { createReadStream, mkdtempSync, rmSync } from 'fs';
import { open } from 'fs/promises';
import { request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';

import { OutboundHttp } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';

import { useBinaryDataMode } from '../../test/harness/in-process-n8n';
import { fullGcsSince, startChild, writeVideoFile } from './upload-parts';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 1024);
const CHUNK = 512 * 1024;

/** PUT through n8n's helpers, as Upload Video does (transport/storage.ts, transport/http.ts). */
async function uploadThroughN8n(binaryId: string, url: string, size: number): Promise<void> {
	const body = await Container.get(BinaryDataService).getAsStream(binaryId, CHUNK);
	const controller = new AbortController();
	const response = (await Container.get(OutboundHttp).requests().request({
		method: 'PUT',
		url,
		body: body as unknown as Buffer,
		headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		json: false,
		encoding: 'arraybuffer',
		timeout: 600_000,
		abortSignal: controller.signal,
	})) as { statusCode: number };
	if (response.statusCode !== 200) throw new Error(`the sink answered ${response.statusCode}`);
}

/** PUT with two buffers read into in turn: none allocated per chunk. */
async function uploadWithReusedBuffers(path: string, url: string, size: number): Promise<void> {
	const file = await open(path, 'r');
	try {
		await new Promise<void>((resolve, reject) => {
			const req = request(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': size } }, (res) => {
				res.resume();
				res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`the sink answered ${res.statusCode}`))));
			});
			req.on('error', reject);
			const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
			(async () => {
				let written: Promise<void> = Promise.resolve();
				for (let position = 0, turn = 0; position < size; turn++) {
					const buffer = buffers[turn % 2];
					const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - position), position);
					if (bytesRead === 0) throw new Error('the file ended early');
					position += bytesRead;
					// The other buffer goes out while this one was read; it is read into next, so it must be written by then.
					await written;
					written = new Promise<void>((done, fail) => req.write(buffer.subarray(0, bytesRead), (error) => (error ? fail(error) : done())));
				}
				await written;
				req.end();
			})().catch((error: Error) => req.destroy(error));
		});
	} finally {
		await file.close();
	}
}

async function measure(label: string, fullGcFirst: boolean, upload: () => Promise<void>, bytes: number): Promise<void> {
	if (fullGcFirst) (globalThis as { gc?: () => void }).gc!();
	const startedAt = performance.now();
	const cpuBefore = process.cpuUsage();
	await upload();
	const cpu = process.cpuUsage(cpuBefore);
	const endedAt = performance.now();
	const seconds = (endedAt - startedAt) / 1000;
	const fullGcs = await fullGcsSince(startedAt, endedAt);
	console.log(
		`${label.padEnd(44)} ${(bytes / MIB / seconds).toFixed(0).padStart(5)} MiB/s   cpu ${(cpu.user / 1e6).toFixed(2)} s user + ${(cpu.system / 1e6).toFixed(2)} s sys   ${String(fullGcs).padStart(3)} full GCs`,
	);
}

async function main(): Promise<void> {
	if (!(globalThis as { gc?: () => void }).gc) throw new Error('Run with node --expose-gc (npm run probe:upload-gc does).');
	if (!(SIZE_MIB >= 1 && Number.isInteger(SIZE_MIB))) throw new Error('BENCH_UPLOAD_MIB must be a whole number of MiB >= 1.');
	const bytes = SIZE_MIB * MIB;
	const dir = mkdtempSync(join(tmpdir(), 'rf-probe-'));
	const sink = await startChild('the discarding sink', 'scripts/bench/discarding-sink.ts', [], /discarding sink (http:\/\/\S+)/);
	try {
		const videoPath = join(dir, 'big.mp4');
		await writeVideoFile(videoPath, bytes);

		await useBinaryDataMode('filesystem');
		const service = Container.get(BinaryDataService);
		const binary = await service.store({ type: 'execution', workflowId: 'probe', executionId: 'probe' }, createReadStream(videoPath), {
			data: '',
			mimeType: 'video/mp4',
			fileName: 'big.mp4',
		});
		rmSync(videoPath);
		const storedPath = service.getPath(binary.id!);
		const url = `${sink.url}/probe/big.mp4`;

		console.log(`${SIZE_MIB} MiB to the discarding sink ${sink.url}, Node ${process.version}`);
		for (let i = 0; i < 2; i++) await measure('n8n getBinaryStream + httpRequest, no forced GC', false, () => uploadThroughN8n(binary.id!, url, bytes), bytes);
		for (let i = 0; i < 2; i++) await measure('n8n getBinaryStream + httpRequest, full GC first', true, () => uploadThroughN8n(binary.id!, url, bytes), bytes);
		for (let i = 0; i < 2; i++) await measure('two reused buffers, full GC first', true, () => uploadWithReusedBuffers(storedPath, url, bytes), bytes);
	} finally {
		await sink.stop();
		rmSync(dir, { recursive: true, force: true });
		rmSync(process.env.N8N_USER_FOLDER!, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
