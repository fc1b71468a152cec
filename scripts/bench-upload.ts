/**
 * Benchmark (not a test): uploads a large video through the real node, from n8n's
 * filesystem binary store, to the emulator running in its own process, and prints the
 * throughput and how much the node's process grew in memory while it streamed.
 *
 *   npm run bench:upload                      # 1 GiB
 *   BENCH_UPLOAD_MIB=3072 npm run bench:upload
 *
 * Exits non-zero when memory grew by 64 MiB or more: the upload must stream, not buffer.
 */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { once } from 'events';

import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';

import { runWorkflow, SOURCE_NODE_TYPE, ROBOFLOW_NODE_TYPE, useBinaryDataMode } from '../test/harness/in-process-n8n';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 1024);
const LIMIT_MIB = 64;
const API_KEY = 'bench-api-key-0123456789';

async function writeVideoFile(path: string, bytes: number): Promise<void> {
	const out = createWriteStream(path);
	const chunk = randomBytes(MIB);
	for (let written = 0; written < bytes; written += MIB) {
		if (!out.write(chunk)) await once(out, 'drain');
	}
	out.end();
	await once(out, 'finish');
}

async function startEmulatorProcess(): Promise<{ apiUrl: string; stop: () => Promise<void> }> {
	const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '..', 'test', 'emulator', 'cli.ts'), '--api-key', API_KEY], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let output = '';
	const apiUrl = await new Promise<string>((resolve, reject) => {
		child.stdout!.on('data', (data: Buffer) => {
			output += data.toString();
			const match = /API (http:\/\/\S+)/.exec(output);
			if (match) resolve(match[1]);
		});
		child.on('exit', (code) => reject(new Error(`emulator exited early (${code})`)));
	});
	return {
		apiUrl,
		stop: async () => {
			child.kill('SIGTERM');
			if (child.exitCode === null) await once(child, 'exit');
		},
	};
}

async function main(): Promise<void> {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('Run with node --expose-gc (npm run bench:upload does).');
	const dir = mkdtempSync(join(tmpdir(), 'rf-bench-'));
	const emulator = await startEmulatorProcess();
	try {
		const videoPath = join(dir, 'big.mp4');
		console.log(`writing a ${SIZE_MIB} MiB test video...`);
		await writeVideoFile(videoPath, SIZE_MIB * MIB);

		await useBinaryDataMode('filesystem');
		const store = async (path: string) =>
			await Container.get(BinaryDataService).store(
				{ type: 'execution', workflowId: 'bench', executionId: 'bench' },
				createReadStream(path),
				{ data: '', mimeType: 'video/mp4', fileName: 'big.mp4' },
			);
		const binary = await store(videoPath);
		rmSync(videoPath);
		const warmUpPath = join(dir, 'warm-up.mp4');
		await writeVideoFile(warmUpPath, MIB);
		const warmUp = await store(warmUpPath);

		// The first run loads much of n8n-core lazily: warm up so only the upload is measured.
		const warmUpResult = await uploadThroughNode(warmUp, emulator.apiUrl);
		if (warmUpResult.error) throw new Error(`warm-up upload failed: ${warmUpResult.error.message}`);

		gc();
		const baseline = process.memoryUsage().rss;
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);

		const started = process.hrtime.bigint();
		const result = await uploadThroughNode(binary, emulator.apiUrl);
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		clearInterval(sampler);
		if (result.error) throw new Error(`upload failed: ${result.error.message}`);
		const uploaded = Number(result.output('Upload')[0][0].json.size_bytes);

		const growthMib = (peak - baseline) / MIB;
		console.log(`uploaded        ${(uploaded / MIB).toFixed(0)} MiB in ${seconds.toFixed(2)} s`);
		console.log(`throughput      ${(uploaded / MIB / seconds).toFixed(1)} MiB/s`);
		console.log(`rss baseline    ${(baseline / MIB).toFixed(1)} MiB`);
		console.log(`rss peak        ${(peak / MIB).toFixed(1)} MiB`);
		console.log(`memory growth   ${growthMib.toFixed(1)} MiB (limit ${LIMIT_MIB} MiB): ${growthMib < LIMIT_MIB ? 'ok' : 'TOO HIGH'}`);
		if (growthMib >= LIMIT_MIB) process.exitCode = 1;
	} finally {
		await emulator.stop();
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
