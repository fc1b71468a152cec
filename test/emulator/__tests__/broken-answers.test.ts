/** Request faults that break the real answer (truncated, reset, trickled, hung), and close() ending them all. */
import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, createJob, finishedJob, jobBody, poll, pollUrl, rawRequest } from './helpers';

// Jobs take 10 s of (faked) time and may be polled at any time.
let emulator: RoboflowEmulator;
beforeAll(async () => {
	emulator = await startEmulator({ pollWindowMs: 0, processing: { fixedSeconds: 10 } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => jest.useRealTimers());

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
		const body = JSON.stringify(await jobBody(emulator));
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
		const { jobId, resultsUrl } = await finishedJob(emulator);
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
		const { resultsUrl } = await finishedJob(emulator);
		const answer = await rawRequest(resultsUrl);
		expect(answer).toMatchObject({ status: 200, headers: { 'content-type': 'application/json', 'content-length': String(answer.body.length) } });
		expect(answer.error).toBeUndefined();
		expect(JSON.parse(answer.body.toString())).toHaveProperty('frame_offset');
	});

	it('trickle: headers at once, then the whole body at the given rate', async () => {
		const jobId = await createJob(emulator, await jobBody(emulator));
		const rate = 40;
		emulator.addFault({ match: { jobId }, times: 1, fault: { type: 'trickle', bytesPerSecond: rate } });
		const slow = await rawRequest(pollUrl(emulator, jobId));
		expect(slow.status).toBe(200);
		expect(slow.error).toBeUndefined();
		expect(slow.body.length).toBe(Number(slow.headers['content-length']));
		expect(JSON.parse(slow.body.toString())).toMatchObject({ status: 1 });
		expect(slow.headersAfterMs).toBeLessThan(300);
		expect(slow.endedAfterMs).toBeGreaterThanOrEqual((slow.body.length / rate) * 1000 * 0.85);
		expect(emulator.statusPolls(jobId)[0]).toMatchObject({ status: 200, fault: 'trickle' });
	});

	it('trickle: 1 byte a second by default, and it stops (no timer left) when the client goes away', async () => {
		const { resultsUrl } = await finishedJob(emulator); // fakes Date only: timers stay real
		const before = timers();
		emulator.addFault({ match: { host: 'storage' }, times: 1, fault: { type: 'trickle' } });
		const gaveUp = await rawRequest(resultsUrl, { abortAfterMs: 2_300 });
		expect(gaveUp).toMatchObject({ status: 200, error: 'gave up' });
		expect(gaveUp.body.toString()).toBe('{"'); // a byte at 1 s, one at 2 s
		expect(await noTimersBeyond(before)).toBeLessThanOrEqual(before);
	});

	it('hang: no answer; a client with a 300 ms timeout gives up; recorded at once with status 0', async () => {
		const jobId = await createJob(emulator, await jobBody(emulator));
		emulator.addFault({ match: { jobId }, times: 1, fault: { type: 'hang' } });
		const answer = await rawRequest(pollUrl(emulator, jobId), { abortAfterMs: 300 });
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
