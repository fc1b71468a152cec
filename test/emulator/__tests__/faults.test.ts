import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, createJob, poll, rawRequest, RPS_MODEL, uploadFixture, useFakeClock } from './helpers';

let emulator: RoboflowEmulator;
beforeAll(async () => {
	emulator = await startEmulator({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => jest.useRealTimers());

const jobBody = async (): Promise<Record<string, unknown>> => ({ input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 2, models: [RPS_MODEL] });

/** The exact URL a status poll is sent to (so placeholder expansions can be compared with it). */
const pollUrl = (jobId: string, key = emulator.apiKey): string => `${emulator.apiUrl}/videoinfer/?api_key=${key}&job_id=${jobId}`;

/** A job that has finished, and its results URL (uses the fake clock). */
const finishedJob = async (): Promise<{ jobId: string; resultsUrl: string }> => {
	const clock = useFakeClock();
	const jobId = await createJob(emulator, await jobBody());
	clock.advance(10_000);
	const answer = await poll(emulator, jobId);
	expect(answer.body.status).toBe(0);
	return { jobId, resultsUrl: answer.body.output_signed_url };
};

/** Active timers, for checking that nothing is left running. */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/**
 * Resolves once no more timers are active than `before`. Other code (fetch's connection pool)
 * starts and stops a timer now and then, so this waits up to a second and a half for the count
 * to settle; a leaked trickle, which re-arms its timer every second, never lets it.
 */
const noTimersBeyond = async (before: number): Promise<number> => {
	for (let waited = 0; timers() > before && waited < 1_500; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
	return timers();
};

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

describe('answers that replace the real one', () => {
	it('http: any status from 400 to 599, in Roboflow shape on the api host', async () => {
		for (const status of [400, 401, 403, 404, 408, 413, 500, 502, 503, 504]) {
			emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'http', status } });
			const answer = await callApi(emulator, 'GET', '/');
			expect(answer.status).toBe(status);
			expect(answer.headers.get('content-type')).toContain('application/json');
			expect(answer.body.error).toEqual({ message: expect.any(String), type: expect.any(String), hint: expect.any(String) });
		}
		expect(emulator.requests.every((r) => r.fault === 'http' && r.endpoint === 'root')).toBe(true);
	});

	it('http: GCS XML error codes on the storage host', async () => {
		const { resultsUrl } = await finishedJob();
		for (const [status, code] of [[403, 'AccessDenied'], [404, 'NoSuchKey'], [429, 'SlowDown'], [504, 'InternalError']] as const) {
			emulator.addFault({ match: { host: 'storage', endpoint: 'results' }, times: 1, fault: { type: 'http', status } });
			const response = await fetch(resultsUrl);
			expect(response.status).toBe(status);
			expect(response.headers.get('content-type')).toBe('application/xml; charset=UTF-8');
			expect(await response.text()).toContain(`<Code>${code}</Code>`);
		}
		expect((await fetch(resultsUrl)).status).toBe(200);
	});

	it('http with a body: sent verbatim (placeholders expanded) with a per-host default content type', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'http', status: 401, body: '{"error":"key {{apiKey}} is bad"}', retryAfterSeconds: 3 } });
		const api = await callApi(emulator, 'GET', '/');
		expect(api.status).toBe(401);
		expect(api.headers.get('content-type')).toBe('application/json');
		expect(api.headers.get('retry-after')).toBe('3');
		expect(api.body).toEqual({ error: `key ${emulator.apiKey} is bad` });

		const { resultsUrl } = await finishedJob();
		emulator.addFault({ match: { host: 'storage' }, times: 1, fault: { type: 'http', status: 400, body: '<Error>{{requestUrl}}</Error>' } });
		const storage = await fetch(resultsUrl);
		expect(storage.status).toBe(400);
		expect(storage.headers.get('content-type')).toBe('application/xml; charset=UTF-8');
		expect(await storage.text()).toBe(`<Error>${resultsUrl}</Error>`);

		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'http', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' } });
		const html = await rawRequest(`${emulator.apiUrl}/`);
		expect(html).toMatchObject({ status: 502, headers: { 'content-type': 'text/html', 'content-length': '24' } });
		expect(html.body.toString()).toBe('<html>Bad Gateway</html>');
	});

	it("respond: overrides one job's status answer, and the poll is recorded as usual", async () => {
		const a = await createJob(emulator, await jobBody());
		const b = await createJob(emulator, await jobBody());
		emulator.addFault({ match: { jobId: a }, fault: { type: 'respond', body: '{"status": 0}' } });
		const answer = await poll(emulator, a);
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('application/json');
		expect(answer.body).toEqual({ status: 0 });
		expect((await poll(emulator, b)).body).toMatchObject({ status: 1 });
		expect(emulator.statusPolls(a)).toEqual([expect.objectContaining({ status: 200, jobId: a, endpoint: 'jobStatus', fault: 'respond' })]);
		expect(emulator.statusPolls(b)[0].fault).toBeUndefined();
	});

	it('respond: any status, an empty body, extra headers (placeholders in their values too)', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'respond', status: 302, body: '', headers: { Location: '{{signedUrl}}', 'X-Extra': 'yes' } } });
		const answer = await rawRequest(`${emulator.apiUrl}/?api_key=${emulator.apiKey}`);
		expect(answer).toMatchObject({ status: 302, headers: { 'content-length': '0', 'x-extra': 'yes' } });
		expect(answer.headers['content-type']).toBeUndefined();
		expect(answer.body).toHaveLength(0);
		expect(new URL(answer.headers.location!).searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{64}$/);

		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'respond', status: 500, body: 'oops', contentType: 'text/plain', headers: { 'content-type': 'text/x-custom' } } });
		const custom = await rawRequest(`${emulator.apiUrl}/`);
		expect(custom).toMatchObject({ status: 500, headers: { 'content-type': 'text/x-custom', 'content-length': '4' } });
	});

	it('respond on an upload: drains the body, stores nothing, and the connection stays usable', async () => {
		const url = (await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: 'a.mp4' })).body.signed_url;
		emulator.addFault({ match: { endpoint: 'upload' }, times: 1, fault: { type: 'respond', body: '' } });
		const put = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(2 * 1024 * 1024, 1) });
		expect(put.status).toBe(200);
		expect(await put.text()).toBe('');
		const upload = emulator.requests.at(-1)!;
		expect(upload).toMatchObject({ host: 'storage', method: 'PUT', status: 200, fault: 'respond', endpoint: 'upload' });
		expect(upload.body).toBeUndefined();
		// Nothing was stored: a job on that URL fails for want of a video.
		const clock = useFakeClock();
		const jobId = await createJob(emulator, { input_url: url, infer_fps: 1, models: [RPS_MODEL] });
		clock.advance(10_000);
		expect((await poll(emulator, jobId)).body).toMatchObject({ status: 3, error: 'InputVideoNotFound' });
	});

	it('placeholders: the key and URL as received, its encoding, a freshly signed URL, the input URL', async () => {
		const input = await uploadFixture(emulator, 'sample.mp4');
		const jobId = await createJob(emulator, { input_url: input, infer_fps: 2, models: [RPS_MODEL] });
		const body = '{"k":"{{apiKey}}","u":"{{requestUrl}}","e":"{{requestUrlEncoded}}","s":"{{signedUrl}}","i":"{{inputUrl}}","x":"{{unknown}}"}';
		emulator.addFault({ match: { jobId, endpoint: 'jobStatus' }, fault: { type: 'respond', body } });
		const url = pollUrl(jobId);
		const answer = JSON.parse((await rawRequest(url)).body.toString());
		expect(answer).toMatchObject({ k: emulator.apiKey, u: url, e: encodeURIComponent(url), i: input, x: '{{unknown}}' });
		const signed = new URL(answer.s);
		expect(signed.origin).toBe(emulator.storageUrl);
		expect(signed.pathname).toBe(`/roboflow_video_inference_output/${jobId}/results.json`);
		expect(signed.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{64}$/);
		// Genuinely signed: storage checks it and only then finds no results (the job is still running).
		expect(await (await fetch(answer.s)).text()).toContain('NoSuchKey');

		// {{apiKey}} echoes whatever key came, even a wrong one; without any, the emulator's key.
		const other = JSON.parse((await rawRequest(pollUrl(jobId, 'some-other-key'))).body.toString());
		expect(other).toMatchObject({ k: 'some-other-key', u: pollUrl(jobId, 'some-other-key') });
		const none = JSON.parse((await rawRequest(`${emulator.apiUrl}/videoinfer/?job_id=${jobId}`)).body.toString());
		expect(none.k).toBe(emulator.apiKey);
	});
});

describe('answers that break the real one', () => {
	it('truncate: the real status and full Content-Length, then half the body, then a reset', async () => {
		const whole = await rawRequest(`${emulator.apiUrl}/?api_key=${emulator.apiKey}`);
		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'truncate' } });
		const cut = await rawRequest(`${emulator.apiUrl}/?api_key=${emulator.apiKey}`);
		expect(cut.status).toBe(200);
		expect(cut.headers['content-length']).toBe(String(whole.body.length));
		expect(cut.headers['content-type']).toBe(whole.headers['content-type']);
		expect(cut.body).toEqual(whole.body.subarray(0, Math.floor(whole.body.length / 2)));
		expect(cut.error).toBeDefined();
		expect(emulator.requests.at(-1)).toMatchObject({ status: 200, fault: 'truncate' });
		// And fetch, like most clients, fails on it.
		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'truncate' } });
		await expect(callApi(emulator, 'GET', '/')).rejects.toThrow();
	});

	it('truncate: keepBytes, always short of the whole; the real work is done (the job exists)', async () => {
		const body = JSON.stringify(await jobBody());
		emulator.addFault({ match: { endpoint: 'createJob' }, times: 1, fault: { type: 'truncate', keepBytes: 5 } });
		const cut = await rawRequest(`${emulator.apiUrl}/videoinfer/?api_key=${emulator.apiKey}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
		expect(cut.status).toBe(200);
		expect(cut.body.toString()).toBe('{"job');
		expect(Number(cut.headers['content-length'])).toBeGreaterThan(5);
		expect(cut.error).toBeDefined();
		expect(emulator.jobs()).toHaveLength(1);
		expect(emulator.requests.at(-1)).toMatchObject({ status: 200, fault: 'truncate', jobId: emulator.jobs()[0].id });

		emulator.addFault({ match: { endpoint: 'root' }, times: 1, fault: { type: 'truncate', keepBytes: 1_000_000 } });
		const almost = await rawRequest(`${emulator.apiUrl}/?api_key=${emulator.apiKey}`);
		expect(almost.body.length).toBe(Number(almost.headers['content-length']) - 1);
		expect(almost.error).toBeDefined();
	});

	it('resetAfterHeaders: status and headers of a results download, then no body at all', async () => {
		const { jobId, resultsUrl } = await finishedJob();
		emulator.addFault({ match: { host: 'storage', jobId }, times: 1, fault: { type: 'resetAfterHeaders' } });
		const cut = await rawRequest(resultsUrl);
		expect(cut.status).toBe(200);
		expect(cut.headers['content-type']).toBe('application/json');
		expect(Number(cut.headers['content-length'])).toBeGreaterThan(100);
		expect(cut.body).toHaveLength(0);
		expect(cut.error).toBeDefined();
		expect(emulator.requests.at(-1)).toMatchObject({ host: 'storage', endpoint: 'results', jobId, status: 200, fault: 'resetAfterHeaders' });
	});

	it('results downloads carry Content-Type application/json and their exact Content-Length', async () => {
		const { resultsUrl } = await finishedJob();
		const answer = await rawRequest(resultsUrl);
		expect(answer).toMatchObject({ status: 200, headers: { 'content-type': 'application/json', 'content-length': String(answer.body.length) } });
		expect(answer.error).toBeUndefined();
		expect(JSON.parse(answer.body.toString())).toHaveProperty('frame_offset');
	});

	it('trickle: headers at once, then the whole body at the given rate', async () => {
		const jobId = await createJob(emulator, await jobBody());
		const rate = 40;
		emulator.addFault({ match: { jobId }, times: 1, fault: { type: 'trickle', bytesPerSecond: rate } });
		const slow = await rawRequest(pollUrl(jobId));
		expect(slow.status).toBe(200);
		expect(slow.error).toBeUndefined();
		expect(slow.body.length).toBe(Number(slow.headers['content-length']));
		expect(JSON.parse(slow.body.toString())).toMatchObject({ status: 1 });
		expect(slow.headersAfterMs).toBeLessThan(300);
		expect(slow.endedAfterMs).toBeGreaterThanOrEqual((slow.body.length / rate) * 1000 * 0.85);
		expect(emulator.statusPolls(jobId)[0]).toMatchObject({ status: 200, fault: 'trickle' });
	});

	it('trickle: 1 byte a second by default, and it stops (no timer left) when the client goes away', async () => {
		const { resultsUrl } = await finishedJob(); // fakes Date only: timers stay real
		const before = timers();
		emulator.addFault({ match: { host: 'storage' }, times: 1, fault: { type: 'trickle' } });
		const gaveUp = await rawRequest(resultsUrl, { abortAfterMs: 2_300 });
		expect(gaveUp).toMatchObject({ status: 200, error: 'gave up' });
		expect(gaveUp.body.toString()).toBe('{"'); // a byte at 1 s, one at 2 s
		expect(await noTimersBeyond(before)).toBeLessThanOrEqual(before);
	});

	it('hang: no answer; a client with a 300 ms timeout gives up; recorded at once with status 0', async () => {
		const jobId = await createJob(emulator, await jobBody());
		emulator.addFault({ match: { jobId }, times: 1, fault: { type: 'hang' } });
		const answer = await rawRequest(pollUrl(jobId), { abortAfterMs: 300 });
		expect(answer).toMatchObject({ status: undefined, error: 'gave up' });
		expect(answer.endedAfterMs).toBeGreaterThanOrEqual(290);
		expect(emulator.statusPolls(jobId)).toEqual([expect.objectContaining({ status: 0, fault: 'hang', jobId })]);
		expect((await poll(emulator, jobId)).status).toBe(200); // used up
	});

	it('hang on an upload does not even read the body', async () => {
		const url = (await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: 'a.mp4' })).body.signed_url;
		emulator.addFault({ match: { endpoint: 'upload' }, times: 1, fault: { type: 'hang' } });
		const answer = await rawRequest(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(16 * 1024 * 1024, 2), abortAfterMs: 300 });
		expect(answer).toMatchObject({ status: undefined, error: 'gave up' });
		expect(emulator.requests.at(-1)).toMatchObject({ host: 'storage', method: 'PUT', status: 0, fault: 'hang' });
		expect(emulator.requests.at(-1)!.body).toBeUndefined();
	});
});

describe('close() with misbehaving connections', () => {
	it('ends hanging, trickling and delayed requests promptly and leaves no timer behind', async () => {
		const before = timers();
		const own = await startEmulator();
		own.addFault({ times: 1, fault: { type: 'hang' } });
		own.addFault({ times: 1, fault: { type: 'trickle', bytesPerSecond: 1 } });
		own.addFault({ times: 1, fault: { type: 'delay', ms: 30_000 } });
		const root = `${own.apiUrl}/?api_key=${own.apiKey}`;
		const hanging = rawRequest(root);
		await new Promise((resolve) => setTimeout(resolve, 50)); // the rules fire in order
		const trickling = rawRequest(root);
		await new Promise((resolve) => setTimeout(resolve, 50));
		const delayed = rawRequest(root);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(own.requests.map((r) => r.fault)).toEqual(['hang', 'trickle']);

		const started = performance.now();
		await own.close();
		expect(performance.now() - started).toBeLessThan(1_000);
		const [h, t, d] = await Promise.all([hanging, trickling, delayed]);
		expect(h).toMatchObject({ status: undefined, error: expect.any(String) });
		expect(t).toMatchObject({ status: 200, error: expect.any(String) });
		expect(d).toMatchObject({ status: undefined, error: expect.any(String) });
		expect(await noTimersBeyond(before)).toBeLessThanOrEqual(before);
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

		await createJob(emulator, await jobBody());
		expect(await (await admin('GET', 'jobs')).json()).toHaveLength(1);
		expect((await admin('POST', 'reset')).status).toBe(204);
		expect(await (await admin('GET', 'jobs')).json()).toHaveLength(0);
		expect(await (await admin('GET', 'requests')).json()).toEqual([]);
		emulator.configure({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
	});
});
