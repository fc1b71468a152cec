/** The resultsFile option: every finished job's results link serves one file from disk, streamed. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type RoboflowEmulator } from '../server';
import { finishedJob, rawRequest } from './helpers';

const MIB = 1024 * 1024;

let dir: string;
let bigFile: string;
let smallFile: string;
let emulator: RoboflowEmulator;

/** A results file of about `bytes` bytes (valid JSON; the content is not what this is about). */
function writeResultsLike(file: string, frames: number): void {
	const frame = '{"time":0.05,"image":{"width":640,"height":480},"predictions":[{"x":1,"y":2,"width":3,"height":4,"confidence":0.5,"class":"Rock","class_id":1}]}';
	const offsets = Array.from({ length: frames }, (_, i) => i);
	writeFileSync(
		file,
		`{"frame_offset":[${offsets.join(',')}],"time_offset":[${offsets.map((i) => i / 24).join(',')}],"rock-paper-scissors-presentation":[${offsets.map(() => frame).join(',')}]}`,
	);
}

const openFiles = (): number => readdirSync('/proc/self/fd').length;

beforeAll(async () => {
	dir = mkdtempSync(path.join(os.tmpdir(), 'rf-results-file-'));
	bigFile = path.join(dir, 'big.json');
	smallFile = path.join(dir, 'small.json');
	writeResultsLike(bigFile, 40_000); // ~6 MiB: many 1 MiB reads, and backpressure on the socket
	writeResultsLike(smallFile, 3);
	emulator = await startEmulator({ processing: { fixedSeconds: 5 }, pollWindowMs: 0, resultsFile: bigFile });
});

afterAll(async () => {
	jest.useRealTimers();
	await emulator?.close();
	rmSync(dir, { recursive: true, force: true });
});

afterEach(() => jest.useRealTimers());

describe('resultsFile', () => {
	it('is what a finished job serves, byte for byte, with its Content-Length', async () => {
		expect(statSync(bigFile).size).toBeGreaterThan(5 * MIB);
		const { resultsUrl } = await finishedJob(emulator);
		const answer = await rawRequest(resultsUrl);
		expect(answer.error).toBeUndefined();
		expect(answer.status).toBe(200);
		expect(answer.headers['content-type']).toBe('application/json');
		expect(Number(answer.headers['content-length'])).toBe(statSync(bigFile).size);
		expect(answer.body.equals(Buffer.from(readFileSync(bigFile)))).toBe(true);
	});

	it('survives a client that goes away mid-download, and leaves no file open', async () => {
		const { resultsUrl } = await finishedJob(emulator);
		const before = openFiles();
		const served = emulator.requests.length;
		// Read the first chunk, then hang up.
		const received = await new Promise<number>((resolve, reject) => {
			const request = http.get(resultsUrl, { agent: false }, (response) => {
				response.once('data', (chunk: Buffer) => {
					request.destroy();
					resolve(chunk.length);
				});
			});
			request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
		});
		expect(received).toBeLessThan(statSync(bigFile).size);
		// The emulator records a request once it is done with it (here: noticed the client left).
		for (let i = 0; i < 100 && emulator.requests.length === served; i++) await new Promise((resolve) => setTimeout(resolve, 20));
		expect(emulator.requests.slice(served)).toEqual([expect.objectContaining({ endpoint: 'results', status: 200 })]);
		expect(openFiles()).toBeLessThanOrEqual(before);
		const whole = await rawRequest(resultsUrl);
		expect(whole.body.length).toBe(statSync(bigFile).size);
	});

	it('is cut like any answer by a truncate fault', async () => {
		const { jobId, resultsUrl } = await finishedJob(emulator);
		emulator.addFault({ match: { endpoint: 'results', jobId }, times: 1, fault: { type: 'truncate', keepBytes: 1000 } });
		const answer = await rawRequest(resultsUrl);
		expect(Number(answer.headers['content-length'])).toBe(statSync(bigFile).size);
		expect(answer.body.length).toBe(1000);
		expect(answer.error).toBeDefined();
	});

	it('changes at runtime over POST /__emulator/config; null goes back to the made results; a missing file is refused', async () => {
		const config = (body: unknown): Promise<Response> => fetch(`${emulator.apiUrl}/__emulator/config`, { method: 'POST', body: JSON.stringify(body) });
		try {
			const small = await config({ resultsFile: smallFile });
			expect(small.status).toBe(200);
			expect(await small.json()).toMatchObject({ resultsFile: smallFile });
			let answer = await rawRequest((await finishedJob(emulator)).resultsUrl);
			expect(JSON.parse(answer.body.toString('utf8')).frame_offset).toEqual([0, 1, 2]);

			const refused = await config({ resultsFile: path.join(dir, 'nope.json') });
			expect(refused.status).toBe(400);
			expect(await refused.json()).toEqual({ error: expect.stringMatching(/"resultsFile" .*nope\.json cannot be read: ENOENT/) });
			expect((await config({ resultsFile: dir })).status).toBe(400);

			expect((await config({ resultsFile: null })).status).toBe(200);
			answer = await rawRequest((await finishedJob(emulator)).resultsUrl);
			const made = JSON.parse(answer.body.toString('utf8'));
			// sample.mp4 at 2 fps: the emulator's own results for the job.
			expect(made.frame_offset).toHaveLength(8);
			expect(made).toHaveProperty('rock-paper-scissors-presentation');
		} finally {
			emulator.configure({ resultsFile: bigFile });
		}
	});

	it('is refused at start when it does not exist', async () => {
		await expect(startEmulator({ resultsFile: path.join(dir, 'missing.json') })).rejects.toThrow(/"resultsFile" .*missing\.json cannot be read: ENOENT/);
	});
});

describe('cli.ts --results-file', () => {
	it('serves the file for every finished job', async () => {
		const cli = path.join(__dirname, '..', 'cli.ts');
		const child = spawn(process.execPath, ['--import', require.resolve('tsx'), cli, '--fixed-seconds', '0', '--results-file', smallFile], { stdio: ['ignore', 'pipe', 'pipe'] });
		try {
			const apiUrl = await new Promise<string>((resolve, reject) => {
				let output = '';
				const timer = setTimeout(() => reject(new Error(`cli did not start: ${output}`)), 15_000);
				child.stdout.on('data', (chunk: Buffer) => {
					output += chunk.toString();
					const found = /API (http:\/\/\S+)/.exec(output);
					if (found) {
						clearTimeout(timer);
						resolve(found[1]);
					}
				});
				child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
			});
			const key = 'api_key=emulator-api-key';
			const sample = path.join(__dirname, '..', '..', 'fixtures', 'sample.mp4');
			const signed = (await (await fetch(`${apiUrl}/video_upload_signed_url/?${key}`, { method: 'POST', body: JSON.stringify({ file_name: 'a.mp4' }) })).json() as { signed_url: string }).signed_url;
			expect((await fetch(signed, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: readFileSync(sample) })).status).toBe(200);
			const created = (await (await fetch(`${apiUrl}/videoinfer/?${key}`, { method: 'POST', body: JSON.stringify({ input_url: signed, infer_fps: 2, models: [{ model_id: 'rock-paper-scissors-presentation', model_version: '4', inference_type: 'object-detection' }] }) })).json()) as { job_id: string };
			const status = (await (await fetch(`${apiUrl}/videoinfer/?${key}&job_id=${created.job_id}`)).json()) as { status: number; output_signed_url: string };
			expect(status.status).toBe(0);
			const answer = await rawRequest(status.output_signed_url);
			expect(answer.body.toString('utf8')).toBe(readFileSync(smallFile, 'utf8'));
		} finally {
			child.kill('SIGTERM');
			if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
		}
	});
});
