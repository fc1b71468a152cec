/**
 * The emulator (test/emulator/cli.ts) as its own process, so that what it costs never counts
 * against what is measured, and a small server for the sample video a job's Video URL points
 * at. scripts/ may not import test/emulator: it is started by path and driven over HTTP.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { PACKAGE_ROOT, SAMPLE_VIDEO } from '../../test/harness';

export interface EmulatorProcess {
	apiUrl: string;
	apiKey: string;
	pid: number;
	/** Every finished job's results link serves this file (streamed from disk); null: the made results. */
	serveResultsFile(file: string | null): Promise<void>;
	stop(): Promise<void>;
}

export async function startEmulatorProcess(options: { apiKey: string; args?: string[] }): Promise<EmulatorProcess> {
	const cli = join(PACKAGE_ROOT, 'test', 'emulator', 'cli.ts');
	// `node --import tsx`: one process, so the PID started is the one that serves (tsx's cli would
	// run it in a child).
	const child = spawn(
		process.execPath,
		['--import', 'tsx', cli, '--api-key', options.apiKey, '--fixed-seconds', '0', '--poll-window-seconds', '0', ...(options.args ?? [])],
		{ cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
	);
	let output = '';
	const apiUrl = await new Promise<string>((resolve, reject) => {
		child.stdout!.on('data', (data: Buffer) => {
			output += data.toString();
			const match = /API (http:\/\/\S+)/.exec(output);
			if (match) resolve(match[1]);
		});
		child.once('exit', (code, signal) => reject(new Error(`the emulator exited before it was ready (${signal ?? code}): ${output}`)));
		child.once('error', reject);
	});
	child.stdout!.resume();
	return {
		apiUrl,
		apiKey: options.apiKey,
		pid: child.pid!,
		async serveResultsFile(file) {
			const answer = await fetch(`${apiUrl}/__emulator/config`, { method: 'POST', body: JSON.stringify({ resultsFile: file }) });
			if (answer.status !== 200) throw new Error(`the emulator refused resultsFile ${file}: ${await answer.text()}`);
		},
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGTERM');
			await exited;
		},
	};
}

/** Serves test/fixtures/sample.mp4 at `<url>/sample.mp4` on 127.0.0.1 (the "public" video of a job). */
export async function startVideoServer(): Promise<{ videoUrl: string; close(): Promise<void> }> {
	const size = statSync(SAMPLE_VIDEO).size;
	const server = createServer((req, res) => {
		if (req.url !== '/sample.mp4') return void res.writeHead(404).end();
		res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': size });
		createReadStream(SAMPLE_VIDEO).pipe(res);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		videoUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sample.mp4`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** Starts a job on the emulator for `videoUrl` (2 fps, rock-paper-scissors) and returns its id. */
export async function createEmulatorJob(emulator: EmulatorProcess, videoUrl: string): Promise<string> {
	const answer = await fetch(`${emulator.apiUrl}/videoinfer/?api_key=${encodeURIComponent(emulator.apiKey)}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ input_url: videoUrl, infer_fps: 2, models: [{ model_id: 'rock-paper-scissors-presentation', model_version: '4', inference_type: 'object-detection' }] }),
	});
	const body = (await answer.json()) as { job_id?: string };
	if (answer.status !== 200 || !body.job_id) throw new Error(`the emulator did not create a job: HTTP ${answer.status} ${JSON.stringify(body)}`);
	return body.job_id;
}
