/**
 * Benchmark (not a test): Upload Video against `curl -T`, both sending the same file to the
 * same discarding storage sink in the same run.
 *
 * The node runs in-process (n8n-core, filesystem binary mode) and reads the video from n8n's
 * binary store; curl uploads that very file. The sink (scripts/bench/discarding-sink.ts) and
 * the emulator each run as their own process: the node asks the emulator for an upload link,
 * and a `respond` fault on that endpoint hands out a signed-looking URL on the sink.
 *
 *   npm run bench:upload                      # 1 GiB, 3 rounds
 *   BENCH_UPLOAD_MIB=3072 npm run bench:upload
 *   BENCH_UPLOAD_RUNS=5 npm run bench:upload
 *
 * Each round times curl, then the node (after one warm-up upload); the verdicts use the
 * medians. Exits non-zero when the node reaches less than 0.8x curl's throughput, or when
 * the node's process grew by 64 MiB or more in any round: the upload must stream, not buffer.
 * Each node round also prints this process's CPU time (all its threads, V8's garbage collector
 * helpers included) and how many full garbage collections ran during the upload: where the
 * node's time goes (README, Performance).
 */
import { spawn } from 'child_process';
import { createReadStream, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { once } from 'events';
import { performance } from 'perf_hooks';

import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';

import { runWorkflow, SOURCE_NODE_TYPE, ROBOFLOW_NODE_TYPE, useBinaryDataMode } from '../test/harness/in-process-n8n';
import { fullGcsSince, startChild, writeVideoFile, type Child } from './bench/upload-parts';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 1024);
const RUNS = Number(process.env.BENCH_UPLOAD_RUNS ?? 3);
const MEMORY_LIMIT_MIB = 64;
const MIN_RATIO = 0.8;
const API_KEY = 'bench-api-key-0123456789';

/** What the sink reported about the next request it finished. */
async function nextSinkRecord(sink: Child): Promise<{ path: string; bytes: number; complete: boolean }> {
	return JSON.parse(await sink.lines.next()) as { path: string; bytes: number; complete: boolean };
}

async function expectSinkReceived(sink: Child, bytes: number, who: string): Promise<void> {
	const record = await nextSinkRecord(sink);
	if (!record.complete || record.bytes !== bytes) {
		throw new Error(`${who}: the sink received ${record.bytes} of ${bytes} bytes${record.complete ? '' : ' (incomplete)'}`);
	}
}

/** `curl -T`: the time from starting curl until it exited, as the node's includes its own setup. */
async function curlUpload(path: string, url: string): Promise<number> {
	const started = process.hrtime.bigint();
	const curl = spawn('curl', ['-sS', '--fail', '-T', path, '-H', 'Content-Type: application/octet-stream', '-o', '/dev/null', url], {
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const [code] = (await once(curl, 'exit')) as [number | null];
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	if (code !== 0) throw new Error(`curl -T failed (exit ${code})`);
	return seconds;
}

interface NodeRun {
	seconds: number;
	growthMib: number;
	baselineMib: number;
	peakMib: number;
	/** CPU time of this process during the upload, every thread (V8's GC helpers too). */
	cpuUserSeconds: number;
	cpuSystemSeconds: number;
	/** Full (mark-compact) garbage collections that ended during the upload. */
	fullGcs: number;
}

async function nodeUpload(binary: IBinaryData, apiUrl: string, bytes: number, gc: () => void): Promise<NodeRun> {
	gc();
	const baseline = process.memoryUsage().rss;
	let peak = baseline;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
	const started = process.hrtime.bigint();
	const startedAt = performance.now();
	const cpuBefore = process.cpuUsage();
	let result: Awaited<ReturnType<typeof uploadThroughNode>>;
	try {
		result = await uploadThroughNode(binary, apiUrl);
	} finally {
		clearInterval(sampler);
	}
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	const cpu = process.cpuUsage(cpuBefore);
	const fullGcs = await fullGcsSince(startedAt, performance.now());
	peak = Math.max(peak, process.memoryUsage().rss);
	if (result.error) throw new Error(`upload failed: ${result.error.message}`);
	const uploaded = Number(result.output('Upload')[0][0].json.size_bytes);
	if (uploaded !== bytes) throw new Error(`the node reports ${uploaded} bytes uploaded, expected ${bytes}`);
	return {
		seconds,
		growthMib: (peak - baseline) / MIB,
		baselineMib: baseline / MIB,
		peakMib: peak / MIB,
		cpuUserSeconds: cpu.user / 1e6,
		cpuSystemSeconds: cpu.system / 1e6,
		fullGcs,
	};
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const mibPerSecond = (bytes: number, seconds: number): number => bytes / MIB / seconds;
const fixed = (value: number, digits = 1): string => value.toFixed(digits).padStart(7);

async function main(): Promise<void> {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('Run with node --expose-gc (npm run bench:upload does).');
	if (!(SIZE_MIB >= 1 && Number.isInteger(SIZE_MIB))) throw new Error('BENCH_UPLOAD_MIB must be a whole number of MiB >= 1.');
	if (!(RUNS >= 1 && Number.isInteger(RUNS))) throw new Error('BENCH_UPLOAD_RUNS must be a whole number >= 1.');
	const bytes = SIZE_MIB * MIB;
	const dir = mkdtempSync(join(tmpdir(), 'rf-bench-'));
	const started: Child[] = [];
	try {
		const sink = await startChild('the discarding sink', 'scripts/bench/discarding-sink.ts', [], /discarding sink (http:\/\/\S+)/);
		started.push(sink);
		// The emulator answers the upload-link request with a link on the sink, in its own shape.
		const uploadUrl = `${sink.url}/bench-input/big.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=bench`;
		const fault = { match: { host: 'api', endpoint: 'signedUrl' }, fault: { type: 'respond', body: JSON.stringify({ signed_url: uploadUrl }) } };
		const emulator = await startChild('the emulator', 'test/emulator/cli.ts', ['--api-key', API_KEY, '--fault', JSON.stringify(fault)], /API (http:\/\/\S+)/);
		started.push(emulator);

		const videoPath = join(dir, 'big.mp4');
		console.log(`writing a ${SIZE_MIB} MiB test video...`);
		await writeVideoFile(videoPath, bytes);

		await useBinaryDataMode('filesystem');
		const store = async (path: string) =>
			await Container.get(BinaryDataService).store(
				{ type: 'execution', workflowId: 'bench', executionId: 'bench' },
				createReadStream(path),
				{ data: '', mimeType: 'video/mp4', fileName: 'big.mp4' },
			);
		const binary = await store(videoPath);
		rmSync(videoPath);
		// curl sends the very file the node streams: the one in n8n's binary store.
		const storedPath = Container.get(BinaryDataService).getPath(binary.id!);
		const warmUpPath = join(dir, 'warm-up.mp4');
		await writeVideoFile(warmUpPath, MIB);
		const warmUp = await store(warmUpPath);

		// The first run loads much of n8n-core lazily: warm up so only the upload is measured.
		const warmUpResult = await uploadThroughNode(warmUp, emulator.url);
		if (warmUpResult.error) throw new Error(`warm-up upload failed: ${warmUpResult.error.message}`);
		await expectSinkReceived(sink, MIB, 'warm-up');
		await curlUpload(warmUpPath, uploadUrl);
		await expectSinkReceived(sink, MIB, 'curl warm-up');

		const curlSpeeds: number[] = [];
		const nodeSpeeds: number[] = [];
		const growths: number[] = [];
		console.log(`uploading ${SIZE_MIB} MiB, ${RUNS} round(s) of curl -T then the node, to the discarding sink ${sink.url}`);
		for (let round = 1; round <= RUNS; round++) {
			const curlSeconds = await curlUpload(storedPath, uploadUrl);
			await expectSinkReceived(sink, bytes, 'curl');
			curlSpeeds.push(mibPerSecond(bytes, curlSeconds));
			console.log(`round ${round}  curl -T  ${fixed(curlSeconds, 2)} s ${fixed(curlSpeeds.at(-1)!)} MiB/s`);

			const run = await nodeUpload(binary, emulator.url, bytes, gc);
			await expectSinkReceived(sink, bytes, 'node');
			nodeSpeeds.push(mibPerSecond(bytes, run.seconds));
			growths.push(run.growthMib);
			console.log(
				`round ${round}  node     ${fixed(run.seconds, 2)} s ${fixed(nodeSpeeds.at(-1)!)} MiB/s` +
					`   rss ${run.baselineMib.toFixed(1)} -> peak ${run.peakMib.toFixed(1)} MiB (growth ${run.growthMib.toFixed(1)} MiB)` +
					`   cpu ${run.cpuUserSeconds.toFixed(2)} s user + ${run.cpuSystemSeconds.toFixed(2)} s sys, ${run.fullGcs} full GCs`,
			);
		}

		const curlMedian = median(curlSpeeds);
		const nodeMedian = median(nodeSpeeds);
		const ratio = nodeMedian / curlMedian;
		const growth = Math.max(...growths);
		const ratioOk = ratio >= MIN_RATIO;
		const growthOk = growth < MEMORY_LIMIT_MIB;
		console.log(`curl -T         ${curlMedian.toFixed(1)} MiB/s (median of ${RUNS})`);
		console.log(`upload video    ${nodeMedian.toFixed(1)} MiB/s (median of ${RUNS})`);
		console.log(`ratio node/curl ${ratio.toFixed(2)} (at least ${MIN_RATIO}): ${ratioOk ? 'ok' : 'TOO SLOW'}`);
		console.log(`memory growth   ${growth.toFixed(1)} MiB, the highest of ${RUNS} (limit ${MEMORY_LIMIT_MIB} MiB): ${growthOk ? 'ok' : 'TOO HIGH'}`);
		if (!ratioOk || !growthOk) process.exitCode = 1;
	} finally {
		for (const child of started.reverse()) await child.stop();
		rmSync(dir, { recursive: true, force: true });
		rmSync(process.env.N8N_USER_FOLDER!, { recursive: true, force: true });
	}
}

async function uploadThroughNode(binary: IBinaryData, apiUrl: string) {
	return await runWorkflow(
		{
			nodes: [
				{
					id: 's',
					name: 'Source',
					type: SOURCE_NODE_TYPE,
					typeVersion: 1,
					position: [0, 0],
					parameters: { items: '[{}]', storedBinaries: JSON.stringify([{ item: 0, field: 'data', data: binary }]) },
				},
				{
					id: 'u',
					name: 'Upload',
					type: ROBOFLOW_NODE_TYPE,
					typeVersion: 1,
					position: [200, 0],
					parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' },
					credentials: { roboflowApi: { id: 'c', name: 'bench' } },
				},
			],
			connections: { Source: { main: [[{ node: 'Upload', type: 'main', index: 0 }]] } },
		},
		{ credentials: { roboflowApi: { apiKey: API_KEY, baseUrl: apiUrl } } },
	);
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
