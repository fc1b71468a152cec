/** The emulator as a process: the CLI, and leaving nothing behind on close(). */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { startEmulator } from '../server';
import { callApi, createJob, RPS_MODEL, uploadFixture } from './helpers';

const openHandles = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap' || kind === 'TCPSocketWrap').length;

const emulatorTempDirs = (): string[] => readdirSync(os.tmpdir()).filter((name) => name.startsWith('roboflow-emulator-')).sort();

const refusesConnections = (url: string): Promise<boolean> =>
	new Promise((resolve) => {
		const { hostname, port } = new URL(url);
		const socket = net.connect(Number(port), hostname);
		socket.once('connect', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', () => resolve(true));
	});

describe('close()', () => {
	it('closes both servers, kept-alive sockets and temp files', async () => {
		const before = openHandles();
		const tempDirsBefore = emulatorTempDirs();
		const emulator = await startEmulator({ processing: { fixedSeconds: 0 } });
		await createJob(emulator, { input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 1, models: [RPS_MODEL] });
		await callApi(emulator, 'GET', '/'); // fetch keeps this connection alive in its pool
		expect(emulatorTempDirs().length).toBeGreaterThan(tempDirsBefore.length);
		await emulator.close();
		await emulator.close(); // idempotent
		expect(await refusesConnections(emulator.apiUrl)).toBe(true);
		expect(await refusesConnections(emulator.storageUrl)).toBe(true);
		// Client-side pooled sockets see the close and go away on their own shortly.
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(openHandles()).toBeLessThanOrEqual(before);
		expect(emulatorTempDirs()).toEqual(tempDirsBefore);
	});

	it('does not wait for a hanging input download', async () => {
		const accepted = new Set<net.Socket>();
		const hanging = net.createServer((socket) => accepted.add(socket)); // accepts, never answers
		await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
		const port = (hanging.address() as net.AddressInfo).port;
		const emulator = await startEmulator();
		await createJob(emulator, { input_url: `http://127.0.0.1:${port}/slow.mp4`, infer_fps: 1, models: [RPS_MODEL] });
		const started = performance.now();
		await emulator.close();
		expect(performance.now() - started).toBeLessThan(2_000);
		for (const socket of accepted) socket.destroy();
		await new Promise<void>((resolve) => hanging.close(() => resolve()));
	});

	it('never logs api keys or signed query strings', async () => {
		const lines: string[] = [];
		const emulator = await startEmulator({ apiKeys: ['very-secret-key'], processing: { fixedSeconds: 0 }, log: (line) => lines.push(line) });
		try {
			const jobId = await createJob(emulator, { input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 1, models: [RPS_MODEL] });
			const done = await callApi(emulator, 'GET', `/videoinfer/?job_id=${jobId}`);
			await fetch(done.body.output_signed_url);
			await callApi(emulator, 'GET', '/', undefined, 'wrong-key');
		} finally {
			await emulator.close();
		}
		expect(lines.length).toBeGreaterThanOrEqual(6);
		for (const line of lines) {
			expect(line).not.toMatch(/very-secret-key|wrong-key|X-Goog-|api_key/);
		}
	});

	it('fails to start on a taken port without leaking the other server', async () => {
		const first = await startEmulator();
		const port = Number(new URL(first.apiUrl).port);
		try {
			await expect(startEmulator({ port })).rejects.toThrow(/EADDRINUSE/);
		} finally {
			await first.close();
		}
	});
});

describe('cli.ts', () => {
	const cli = path.join(__dirname, '..', 'cli.ts');
	const tsxLoader = require.resolve('tsx');

	const answersRoot = async (apiUrl: string, args: string[]): Promise<void> => {
		const root = await fetch(`${apiUrl}/?api_key=${args.includes('--api-key') ? args[args.indexOf('--api-key') + 1] : 'emulator-api-key'}`);
		expect(root.status).toBe(200);
	};

	/** Starts the CLI, runs `probe` against it once it is up, then stops it with SIGINT. */
	const run = (args: string[], probe = answersRoot): Promise<{ firstLine: string; exitCode: number | null; output: string }> =>
		new Promise((resolve, reject) => {
			const child = spawn(process.execPath, ['--import', tsxLoader, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
			let output = '';
			let answered = false;
			const timer = setTimeout(() => {
				child.kill('SIGKILL');
				reject(new Error(`cli did not start: ${output}`));
			}, 15_000);
			child.stdout.on('data', async (chunk: Buffer) => {
				output += chunk.toString();
				if (answered || !output.includes('\n')) return;
				answered = true;
				const firstLine = output.split('\n')[0];
				const apiUrl = /API (http:\/\/\S+)/.exec(firstLine)?.[1];
				// The emulator must answer before we ask it to stop.
				await probe(apiUrl!, args).catch((error) => {
					output += `\nprobe failed: ${(error as Error).message}`;
				});
				child.kill('SIGINT');
				child.once('exit', (exitCode) => {
					clearTimeout(timer);
					resolve({ firstLine, exitCode, output });
				});
			});
			child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
			child.once('error', reject);
		});

	it('starts on the given ports, never prints a custom key, and stops on SIGINT', async () => {
		expect(existsSync(cli)).toBe(true);
		const { firstLine, exitCode, output } = await run(['--port', '0', '--storage-port', '0', '--poll-window-seconds', '60', '--fixed-seconds', '90', '--seed', '1', '--api-key', 'S3CRET-KEY']);
		expect(firstLine).toMatch(/^Roboflow emulator: API http:\/\/127\.0\.0\.1:\d+ storage http:\/\/127\.0\.0\.1:\d+ \(api key from --api-key\)$/);
		expect(output).not.toContain('S3CRET-KEY');
		expect(output).not.toContain('probe failed');
		expect(exitCode).toBe(0);
	});

	it('prints the default key, which is no secret', async () => {
		const { firstLine } = await run([]);
		expect(firstLine).toContain('api key emulator-api-key');
	});

	it('adds --fault rules from the start', async () => {
		const rule = { match: { endpoint: 'root' }, times: 1, fault: { type: 'respond', status: 418, body: 'key {{apiKey}}', contentType: 'text/plain' } };
		const answers: Array<[number, string]> = [];
		const { exitCode, output } = await run(['--fault', JSON.stringify(rule)], async (apiUrl) => {
			for (let i = 0; i < 2; i++) {
				const response = await fetch(`${apiUrl}/?api_key=emulator-api-key`);
				answers.push([response.status, await response.text()]);
			}
		});
		expect(output).not.toContain('probe failed');
		expect(answers[0]).toEqual([418, 'key emulator-api-key']);
		expect(answers[1][0]).toBe(200);
		expect(exitCode).toBe(0);
	});

	it('refuses a malformed --fault with a readable message', () => {
		const result = spawnSync(process.execPath, ['--import', tsxLoader, cli, '--fault', '{"fault":{"type":"trickle","bytesPerSecond":0}}'], { encoding: 'utf8', timeout: 15_000 });
		expect(result.status).toBe(2);
		expect(result.stderr).toMatch(/--fault: trickle fault bytesPerSecond must be a number > 0/);
		const notJson = spawnSync(process.execPath, ['--import', tsxLoader, cli, '--fault', '{nope'], { encoding: 'utf8', timeout: 15_000 });
		expect(notJson.status).toBe(2);
		expect(notJson.stderr).toMatch(/--fault needs a fault rule as JSON/);
	});
});
