/** Request faults that answer instead of the service: error statuses, delays, drops, canned answers and their placeholders. */
import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, createJob, finishedJob, jobBody, poll, pollUrl, rawRequest, RPS_MODEL, uploadFixture, useFakeClock } from './helpers';

// Jobs take 10 s of (faked) time and may be polled at any time.
let emulator: RoboflowEmulator;
beforeAll(async () => {
	emulator = await startEmulator({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => jest.useRealTimers());

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
		const a = await createJob(emulator, await jobBody(emulator));
		const b = await createJob(emulator, await jobBody(emulator));
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
		await expect(callApi(emulator, 'POST', '/videoinfer/', await jobBody(emulator))).rejects.toThrow();
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
		const { resultsUrl } = await finishedJob(emulator);
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

		const { resultsUrl } = await finishedJob(emulator);
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
		const a = await createJob(emulator, await jobBody(emulator));
		const b = await createJob(emulator, await jobBody(emulator));
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
		const url = pollUrl(emulator, jobId);
		const answer = JSON.parse((await rawRequest(url)).body.toString());
		expect(answer).toMatchObject({ k: emulator.apiKey, u: url, e: encodeURIComponent(url), i: input, x: '{{unknown}}' });
		const signed = new URL(answer.s);
		expect(signed.origin).toBe(emulator.storageUrl);
		expect(signed.pathname).toBe(`/roboflow_video_inference_output/${jobId}/results.json`);
		expect(signed.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{64}$/);
		// Genuinely signed: storage checks it and only then finds no results (the job is still running).
		expect(await (await fetch(answer.s)).text()).toContain('NoSuchKey');

		// {{apiKey}} echoes whatever key came, even a wrong one; without any, the emulator's key.
		const other = JSON.parse((await rawRequest(pollUrl(emulator, jobId, 'some-other-key'))).body.toString());
		expect(other).toMatchObject({ k: 'some-other-key', u: pollUrl(emulator, jobId, 'some-other-key') });
		const none = JSON.parse((await rawRequest(`${emulator.apiUrl}/videoinfer/?job_id=${jobId}`)).body.toString());
		expect(none.k).toBe(emulator.apiKey);
	});
});
