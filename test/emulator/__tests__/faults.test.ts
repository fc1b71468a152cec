import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, createJob, poll, RPS_MODEL, uploadFixture, useFakeClock } from './helpers';

let emulator: RoboflowEmulator;
beforeAll(async () => {
	emulator = await startEmulator({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => jest.useRealTimers());

const jobBody = async (): Promise<Record<string, unknown>> => ({ input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 2, models: [RPS_MODEL] });

describe('request faults', () => {
	it('http: answers the status in Roboflow shape with Retry-After, for `times` requests only', async () => {
		emulator.addFault({ match: { endpoint: 'signedUrl' }, times: 2, fault: { type: 'http', status: 503, retryAfterSeconds: 7 } });
		for (let i = 0; i < 2; i++) {
			const answer = await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: 'a.mp4' });
			expect(answer.status).toBe(503);
			expect(answer.headers.get('retry-after')).toBe('7');
			expect(answer.body.error).toEqual({ message: expect.any(String), type: expect.any(String), hint: expect.any(String) });
		}
		expect((await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: 'a.mp4' })).status).toBe(200);
		expect(emulator.requests.map((r) => r.status)).toEqual([503, 503, 200]);
	});

	it('http 429 on status polls of one job only', async () => {
		const a = await createJob(emulator, await jobBody());
		const b = await createJob(emulator, await jobBody());
		emulator.addFault({ match: { jobId: a }, fault: { type: 'http', status: 429, retryAfterSeconds: 30 } });
		const answer = await poll(emulator, a);
		expect(answer.status).toBe(429);
		expect(answer.headers.get('retry-after')).toBe('30');
		expect((await poll(emulator, b)).status).toBe(200);
		expect(emulator.statusPolls(a)[0]).toMatchObject({ status: 429, jobId: a });
	});

	it('http faults on the storage host answer in GCS XML', async () => {
		emulator.addFault({ match: { host: 'storage', endpoint: 'upload' }, times: 1, fault: { type: 'http', status: 500 } });
		const url = (await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: 'a.mp4' })).body.signed_url;
		const response = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: 'xx' });
		expect(response.status).toBe(500);
		expect(await response.text()).toContain('<Code>InternalError</Code>');
	});

	it('delay: serves the request after the delay', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'delay', ms: 300 } });
		const started = performance.now();
		expect((await callApi(emulator, 'GET', '/')).status).toBe(200);
		expect(performance.now() - started).toBeGreaterThanOrEqual(280);
	});

	it('drop: closes the connection without an answer', async () => {
		emulator.addFault({ match: { endpoint: 'createJob' }, times: 1, fault: { type: 'drop' } });
		await expect(callApi(emulator, 'POST', '/videoinfer/', await jobBody())).rejects.toThrow();
		expect(emulator.requests.at(-1)).toMatchObject({ path: '/videoinfer/', status: 0 });
		expect(emulator.jobs()).toHaveLength(0);
	});

	it('matches on input_url substrings and methods', async () => {
		emulator.addFault({ match: { inputUrlContains: 'flaky', method: 'POST' }, fault: { type: 'http', status: 502 } });
		const body = { input_url: 'http://127.0.0.1:1/flaky.mp4', infer_fps: 1, models: [RPS_MODEL] };
		expect((await callApi(emulator, 'POST', '/videoinfer/', body)).status).toBe(502);
		expect((await callApi(emulator, 'POST', '/videoinfer/', { ...body, input_url: 'http://127.0.0.1:1/fine.mp4' })).status).toBe(200);
	});
});

describe('job faults', () => {
	it('jobFailed by input_url: the job runs its course, then fails with the given status and message', async () => {
		const clock = useFakeClock();
		emulator.addFault({ match: { inputUrlContains: 'sample.mp4' }, times: 1, fault: { type: 'jobFailed', status: 3, message: 'GPU worker crashed' } });
		const jobId = await createJob(emulator, await jobBody());
		expect((await poll(emulator, jobId)).body.status).toBe(1);
		clock.advance(10_000);
		expect((await poll(emulator, jobId)).body).toEqual({ status: 3, message: 'GPU worker crashed', error: 'InjectedFailure' });
		// Used up: the next job succeeds.
		const next = await createJob(emulator, await jobBody());
		clock.advance(10_000);
		expect((await poll(emulator, next)).body.status).toBe(0);
	});

	it('jobFailed by job id, added after the job was created', async () => {
		const clock = useFakeClock();
		const jobId = await createJob(emulator, await jobBody());
		emulator.addFault({ match: { jobId }, fault: { type: 'jobFailed', status: 2, message: 'Bad things', error: 'Custom' } });
		clock.advance(10_000);
		expect((await poll(emulator, jobId)).body).toEqual({ status: 2, message: 'Bad things', error: 'Custom' });
		expect(emulator.jobs()[0]).toMatchObject({ state: 'failed', failure: { status: 2, message: 'Bad things' } });
	});

	it('expiredOutputUrl: the handed-out results URL is already expired', async () => {
		const clock = useFakeClock();
		const jobId = await createJob(emulator, await jobBody());
		emulator.addFault({ match: { jobId }, times: 1, fault: { type: 'expiredOutputUrl' } });
		clock.advance(10_000);
		const expired = (await poll(emulator, jobId)).body.output_signed_url;
		const response = await fetch(expired);
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('ExpiredToken');
		expect((await fetch((await poll(emulator, jobId)).body.output_signed_url)).status).toBe(200);
	});

	it('clearFaults removes every rule', async () => {
		emulator.addFault({ fault: { type: 'http', status: 500 } });
		emulator.clearFaults();
		expect((await callApi(emulator, 'GET', '/')).status).toBe(200);
	});

	it('refuses malformed rules', () => {
		expect(() => emulator.addFault({ fault: { type: 'http', status: 404 } } as never)).toThrow(/500, 502, 503 or 429/);
		expect(() => emulator.addFault({ fault: { type: 'explode' } } as never)).toThrow(/Unknown fault type/);
		expect(() => emulator.addFault({ times: 0, fault: { type: 'drop' } })).toThrow(/times/);
	});
});

describe('control over HTTP', () => {
	const admin = (method: string, path: string, body?: unknown): Promise<Response> =>
		fetch(`${emulator.apiUrl}/__emulator/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });

	it('adds and clears faults, changes config, resets', async () => {
		expect((await admin('POST', 'faults', { match: { endpoint: 'root' }, fault: { type: 'http', status: 500 } })).status).toBe(204);
		expect((await callApi(emulator, 'GET', '/')).status).toBe(500);
		expect((await admin('DELETE', 'faults')).status).toBe(204);
		expect((await callApi(emulator, 'GET', '/')).status).toBe(200);

		expect((await admin('POST', 'faults', { fault: { type: 'nope' } })).status).toBe(400);
		expect((await admin('POST', 'config', { port: 1 })).status).toBe(400);

		const config = await admin('POST', 'config', { pollWindowMs: 5_000, processing: { fixedSeconds: 3 } });
		expect(config.status).toBe(200);
		expect(await config.json()).toMatchObject({ pollWindowMs: 5_000, processing: { fixedSeconds: 3 } });

		await createJob(emulator, await jobBody());
		expect(await (await admin('GET', 'jobs')).json()).toHaveLength(1);
		expect((await admin('POST', 'reset')).status).toBe(204);
		expect(await (await admin('GET', 'jobs')).json()).toHaveLength(0);
		expect(await (await admin('GET', 'requests')).json()).toEqual([]);
		emulator.configure({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
	});
});
