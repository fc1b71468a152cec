/** Job faults (failed jobs, expired results URLs), the checks on fault rules, and control over HTTP. */
import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, createJob, jobBody, poll, RPS_MODEL, uploadFixture, useFakeClock } from './helpers';

// Jobs take 10 s of (faked) time and may be polled at any time.
let emulator: RoboflowEmulator;
beforeAll(async () => {
	emulator = await startEmulator({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => jest.useRealTimers());

describe('job faults', () => {
	it('jobFailed by input_url: the job runs its course, then fails with the given status and message', async () => {
		const clock = useFakeClock();
		emulator.addFault({ match: { inputUrlContains: 'sample.mp4' }, times: 1, fault: { type: 'jobFailed', status: 3, message: 'GPU worker crashed' } });
		const jobId = await createJob(emulator, await jobBody(emulator));
		expect((await poll(emulator, jobId)).body.status).toBe(1);
		clock.advance(10_000);
		expect((await poll(emulator, jobId)).body).toEqual({ status: 3, message: 'GPU worker crashed', error: 'InjectedFailure' });
		// Used up: the next job succeeds.
		const next = await createJob(emulator, await jobBody(emulator));
		clock.advance(10_000);
		expect((await poll(emulator, next)).body.status).toBe(0);
	});

	it('jobFailed by job id, added after the job was created', async () => {
		const clock = useFakeClock();
		const jobId = await createJob(emulator, await jobBody(emulator));
		emulator.addFault({ match: { jobId }, fault: { type: 'jobFailed', status: 2, message: 'Bad things', error: 'Custom' } });
		clock.advance(10_000);
		expect((await poll(emulator, jobId)).body).toEqual({ status: 2, message: 'Bad things', error: 'Custom' });
		expect(emulator.jobs()[0]).toMatchObject({ state: 'failed', failure: { status: 2, message: 'Bad things' } });
	});

	it('expiredOutputUrl: the handed-out results URL is already expired', async () => {
		const clock = useFakeClock();
		const jobId = await createJob(emulator, await jobBody(emulator));
		emulator.addFault({ match: { jobId }, times: 1, fault: { type: 'expiredOutputUrl' } });
		clock.advance(10_000);
		const expired = (await poll(emulator, jobId)).body.output_signed_url;
		const response = await fetch(expired);
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('ExpiredToken');
		expect((await fetch((await poll(emulator, jobId)).body.output_signed_url)).status).toBe(200);
	});

	it('jobFailed: placeholders in message and error are expanded in the status answer only', async () => {
		const clock = useFakeClock();
		const input = await uploadFixture(emulator, 'sample.mp4');
		emulator.addFault({
			match: { inputUrlContains: 'sample.mp4' },
			times: 1,
			fault: { type: 'jobFailed', status: 3, message: 'key {{apiKey}} via {{requestUrl}}', error: '{{inputUrl}} {{signedUrl}}' },
		});
		const jobId = await createJob(emulator, { input_url: input, infer_fps: 2, models: [RPS_MODEL] });
		clock.advance(10_000);
		const answer = (await poll(emulator, jobId)).body;
		expect(answer.status).toBe(3);
		expect(answer.message).toBe(`key ${emulator.apiKey} via ${emulator.apiUrl}/videoinfer/?api_key=${emulator.apiKey}`);
		const [inputUrl, signedUrl] = answer.error.split(' ');
		expect(inputUrl).toBe(input);
		expect(new URL(signedUrl).searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{64}$/);
		// The snapshot (also served over HTTP) keeps the template, not the key.
		expect(emulator.jobs()[0].failure).toMatchObject({ message: 'key {{apiKey}} via {{requestUrl}}' });
	});

	it('clearFaults removes every rule', async () => {
		emulator.addFault({ fault: { type: 'http', status: 500 } });
		emulator.clearFaults();
		expect((await callApi(emulator, 'GET', '/')).status).toBe(200);
	});

	it('refuses malformed rules', () => {
		expect(() => emulator.addFault({ fault: { type: 'http', status: 600 } })).toThrow(/400 to 599/);
		expect(() => emulator.addFault({ fault: { type: 'explode' } } as never)).toThrow(/Unknown fault type/);
		expect(() => emulator.addFault({ times: 0, fault: { type: 'drop' } })).toThrow(/times/);
	});

	it.each([
		[{ type: 'http', status: 399 }, /400 to 599/],
		[{ type: 'http', status: 502.5 }, /400 to 599/],
		[{ type: 'http', status: 500, body: 42 }, /body must be a string/],
		[{ type: 'http', status: 429, retryAfterSeconds: -1 }, /retryAfterSeconds/],
		[{ type: 'respond' }, /needs a body/],
		[{ type: 'respond', body: '', status: 700 }, /200 to 599/],
		[{ type: 'respond', body: 'x', status: 204 }, /cannot have a body/],
		[{ type: 'respond', body: '', headers: { 'Bad Name': 'x' } }, /header name/],
		[{ type: 'respond', body: '', headers: { 'X-Split': 'a\r\nb' } }, /line breaks/],
		[{ type: 'respond', body: '', headers: ['X-A'] }, /headers must be an object/],
		[{ type: 'truncate', keepBytes: -1 }, /keepBytes/],
		[{ type: 'truncate', keepBytes: 1.5 }, /keepBytes/],
		[{ type: 'trickle', bytesPerSecond: 0 }, /bytesPerSecond/],
		[{ type: 'jobFailed', status: 2, message: 'x', error: 7 }, /error must be a string/],
	])('refuses the malformed fault %j', (fault, message) => {
		expect(() => emulator.addFault({ fault } as never)).toThrow(message);
	});

	it('refuses malformed matches', () => {
		expect(() => emulator.addFault({ match: 'api', fault: { type: 'drop' } } as never)).toThrow(/"match" must be an object/);
		expect(() => emulator.addFault({ match: { path: '/' }, fault: { type: 'drop' } } as never)).toThrow(/Unknown match field "path"/);
		expect(() => emulator.addFault({ match: { jobId: 7 }, fault: { type: 'drop' } } as never)).toThrow(/match.jobId must be a string/);
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
		const refused = await admin('POST', 'faults', { fault: { type: 'trickle', bytesPerSecond: -1 } });
		expect(refused.status).toBe(400);
		expect(await refused.json()).toEqual({ error: expect.stringMatching(/bytesPerSecond/) });
		for (const fault of [
			{ type: 'http', status: 404, body: '{"leak":"{{requestUrlEncoded}}"}', contentType: 'application/json' },
			{ type: 'respond', status: 200, body: '', headers: { 'X-A': 'b' } },
			{ type: 'truncate', keepBytes: 3 },
			{ type: 'resetAfterHeaders' },
			{ type: 'trickle', bytesPerSecond: 0.5 },
			{ type: 'hang' },
		]) {
			expect((await admin('POST', 'faults', { match: { endpoint: 'project' }, fault })).status).toBe(204);
		}
		expect((await admin('DELETE', 'faults')).status).toBe(204);
		expect((await admin('POST', 'faults', { match: { endpoint: 'root' }, times: 1, fault: { type: 'respond', status: 418, body: '{{apiKey}}' } })).status).toBe(204);
		const bait = await callApi(emulator, 'GET', '/');
		expect(bait).toMatchObject({ status: 418, body: emulator.apiKey });
		expect((await admin('POST', 'config', { port: 1 })).status).toBe(400);

		const config = await admin('POST', 'config', { pollWindowMs: 5_000, processing: { fixedSeconds: 3 } });
		expect(config.status).toBe(200);
		expect(await config.json()).toMatchObject({ pollWindowMs: 5_000, processing: { fixedSeconds: 3 } });

		await createJob(emulator, await jobBody(emulator));
		expect(await (await admin('GET', 'jobs')).json()).toHaveLength(1);
		expect((await admin('POST', 'reset')).status).toBe(204);
		expect(await (await admin('GET', 'jobs')).json()).toHaveLength(0);
		expect(await (await admin('GET', 'requests')).json()).toEqual([]);
		emulator.configure({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
	});
});
