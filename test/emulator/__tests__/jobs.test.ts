import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, createJob, fixture, poll, RPS_MODEL, startFileServer, uploadFixture, useFakeClock } from './helpers';

let emulator: RoboflowEmulator;
let files: Awaited<ReturnType<typeof startFileServer>>;
beforeAll(async () => {
	emulator = await startEmulator({ processing: { baseSeconds: 30, secondsPerVideoSecondPerModel: 2 } });
	files = await startFileServer({
		'/public.mp4': { file: fixture('sample.mp4') },
		'/moved.mp4': { redirect: '/public.mp4' },
		'/gone.mp4': { status: 404 },
		'/notes.mp4': { file: fixture('README.md') },
	});
});
afterAll(async () => {
	await emulator.close();
	await files.close();
});
beforeEach(() => emulator.reset());
afterEach(() => {
	jest.useRealTimers();
	emulator.configure({ pollWindowMs: 60_000, processing: { baseSeconds: 30, secondsPerVideoSecondPerModel: 2 } });
});

describe('job lifecycle in simulated time', () => {
	it('runs, answers 429 with Retry-After on an early poll, then succeeds with a results URL', async () => {
		const clock = useFakeClock();
		const input = await uploadFixture(emulator, 'sample.mp4');
		const created = await callApi(emulator, 'POST', '/videoinfer', { input_url: input, infer_fps: 6, models: [RPS_MODEL] });
		expect(created.body).toEqual({ job_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), message: 'This endpoint will create videojob' });
		const jobId = created.body.job_id;

		// 4 s video, 1 model: 30 + 4 * 1 * 2 = 38 s.
		const first = await poll(emulator, jobId);
		expect(first.status).toBe(200);
		expect(first.body).toEqual({ status: 1, progress: 0 });

		clock.advance(20_000);
		const early = await poll(emulator, jobId);
		expect(early.status).toBe(429);
		expect(early.headers.get('retry-after')).toBe('40');
		expect(early.body.error).toEqual({ message: expect.stringContaining('once every 60 seconds'), type: 'RateLimitException', hint: 'Retry after 40 seconds.' });

		clock.advance(40_000);
		const done = await poll(emulator, jobId);
		expect(done.status).toBe(200);
		expect(done.body).toEqual({ status: 0, output_signed_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/roboflow_video_inference_output\//) });
		expect(new URL(done.body.output_signed_url).origin).toBe(emulator.storageUrl);

		const results = await fetch(done.body.output_signed_url, { headers: { 'Content-Type': 'application/json' } });
		expect(results.status).toBe(200);
		const file: any = await results.json();
		expect(file.frame_offset).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92]);
		expect(file.time_offset.slice(0, 4)).toEqual([0, 0.1667, 0.3333, 0.5]);
		expect(file['rock-paper-scissors-presentation']).toHaveLength(24);

		const polls = emulator.statusPolls(jobId);
		expect(polls.map((p) => p.status)).toEqual([200, 429, 200]);
		expect(polls.every((p) => p.jobId === jobId && p.query.job_id === jobId)).toBe(true);

		const [snapshot] = emulator.jobs();
		expect(snapshot).toMatchObject({ id: jobId, state: 'succeeded', infer_fps: 6, video: { container: 'mp4', fps: 24, durationSeconds: 4 } });
		expect(snapshot.readyAt! - snapshot.createdAt).toBe(38_000);
	});

	it('reports progress while running, and accepts both spellings of the status route', async () => {
		const clock = useFakeClock();
		emulator.configure({ pollWindowMs: 1_000, processing: { fixedSeconds: 100 } });
		const jobId = await createJob(emulator, { input_url: await uploadFixture(emulator, 'sample.webm'), infer_fps: 5, models: [RPS_MODEL] });
		clock.advance(42_000);
		expect((await callApi(emulator, 'GET', `/videoinfer?job_id=${jobId}`)).body).toEqual({ status: 1, progress: 0.42 });
		clock.advance(58_000);
		expect((await callApi(emulator, 'GET', `/videoinfer/?job_id=${jobId}`)).body.status).toBe(0);
	});

	it('lets the output URL expire after outputUrlTtlSeconds', async () => {
		const clock = useFakeClock();
		emulator.configure({ processing: { fixedSeconds: 0 }, outputUrlTtlSeconds: 120 });
		const jobId = await createJob(emulator, { input_url: await uploadFixture(emulator, 'sample.avi'), infer_fps: 2, models: [RPS_MODEL] });
		const { output_signed_url: url } = (await poll(emulator, jobId)).body;
		expect(new URL(url).searchParams.get('X-Goog-Expires')).toBe('120');
		clock.advance(121_000);
		const response = await fetch(url);
		expect(response.status).toBe(400);
		expect(await response.text()).toContain('<Code>ExpiredToken</Code>');
		// A later poll hands out a fresh one.
		clock.advance(60_000);
		expect((await fetch((await poll(emulator, jobId)).body.output_signed_url)).status).toBe(200);
	});

	it('downloads a public input URL (following redirects) instead of needing an upload', async () => {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		const jobId = await createJob(emulator, { input_url: `${files.url}/moved.mp4`, infer_fps: 1, models: [RPS_MODEL] });
		expect((await poll(emulator, jobId)).body.status).toBe(0);
		expect(emulator.jobs()[0].video).toMatchObject({ fps: 24, frameCount: 96 });
	});

	it('404s an unknown job and 400s a missing job_id', async () => {
		const unknown = await poll(emulator, 'no-such-job');
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.message).toContain('no-such-job');
		expect((await callApi(emulator, 'GET', '/videoinfer/')).status).toBe(400);
	});
});

describe('POST /videoinfer/ structural validation (400)', () => {
	const valid = { input_url: 'http://127.0.0.1:1/x.mp4', infer_fps: 5, models: [RPS_MODEL] };
	it.each([
		['a non-object body', [1, 2], /JSON object/],
		['no input_url', { ...valid, input_url: undefined }, /input_url is required/],
		['a non-http input_url', { ...valid, input_url: 'ftp://x/y.mp4' }, /http\(s\) URL/],
		['a string infer_fps', { ...valid, infer_fps: '5' }, /infer_fps .* number/],
		['an empty models list', { ...valid, models: [] }, /non-empty array/],
		['a model without model_id', { ...valid, models: [{ model_version: '1', inference_type: 'object-detection' }] }, /model_id/],
		['a model without model_version', { ...valid, models: [{ model_id: 'clip', inference_type: 'clip-embed-image' }] }, /model_version/],
		['a model without inference_type', { ...valid, models: [{ model_id: 'clip', model_version: '1' }] }, /inference_type/],
		['non-object inference_params', { ...valid, models: [{ ...RPS_MODEL, inference_params: 0.4 }] }, /inference_params/],
		['the same model twice', { ...valid, models: [RPS_MODEL, RPS_MODEL] }, /only once/],
	])('refuses %s', async (_label, body, message) => {
		const answer = await callApi(emulator, 'POST', '/videoinfer/', body);
		expect(answer.status).toBe(400);
		expect(answer.body.error).toEqual({ message: expect.stringMatching(message), type: expect.any(String), hint: expect.any(String) });
		expect(emulator.jobs()).toHaveLength(0);
	});

	it('refuses malformed JSON', async () => {
		expect((await callApi(emulator, 'POST', '/videoinfer/', '{"input_url":')).status).toBe(400);
	});

	it('accepts a numeric model_version and sends it back as a string', async () => {
		await createJob(emulator, { ...valid, models: [{ ...RPS_MODEL, model_version: 4 }] });
		expect(emulator.jobs()[0].models[0].model_version).toBe('4');
	});
});

describe('semantic problems end in a failed job, like the real service', () => {
	beforeEach(() => emulator.configure({ processing: { fixedSeconds: 0 } }));

	const failureOf = async (body: Record<string, unknown>): Promise<any> => {
		const jobId = await createJob(emulator, body);
		const answer = await poll(emulator, jobId);
		expect(answer.status).toBe(200);
		return answer.body;
	};

	it.each([
		['an unknown inference_type', { ...RPS_MODEL, inference_type: 'pose' }, 2, /Unsupported inference_type "pose"/],
		['semantic segmentation', { model_id: 'road-semantic-segmentation', model_version: '1', inference_type: 'semantic-segmentation' }, 2, /not supported for video/],
		['an unknown model', { ...RPS_MODEL, model_id: 'nope' }, 2, /nope\/4 does not exist/],
		['an unknown version', { ...RPS_MODEL, model_version: '9' }, 2, /does not exist/],
		['an untrained version', { ...RPS_MODEL, model_version: '5' }, 2, /has not been trained/],
		['a type that does not match the model', { ...RPS_MODEL, inference_type: 'classification' }, 2, /has type object-detection, not classification/],
		['a wrong built-in version', { model_id: 'clip', model_version: '2', inference_type: 'clip-embed-image' }, 2, /built-in clip model/],
	])('%s', async (_label, model, status, message) => {
		const body = await failureOf({ input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 4, models: [model] });
		expect(body).toEqual({ status, message: expect.stringMatching(message), error: expect.any(String) });
	});

	it.each([
		[0.5, /at least 1/],
		[25, /must not exceed the video frame rate \(24 fps\)/],
	])('infer_fps %d', async (fps, message) => {
		const body = await failureOf({ input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: fps, models: [RPS_MODEL] });
		expect(body).toMatchObject({ status: 2, message: expect.stringMatching(message) });
	});

	it('accepts infer_fps equal to the video frame rate', async () => {
		expect((await failureOf({ input_url: await uploadFixture(emulator, 'sample.mp4'), infer_fps: 24, models: [RPS_MODEL] })).status).toBe(0);
	});

	it('fails a job whose upload never happened, or whose video is unreadable', async () => {
		const signed = (await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: 'never.mp4' })).body.signed_url;
		expect(await failureOf({ input_url: signed, infer_fps: 1, models: [RPS_MODEL] })).toMatchObject({ status: 3, message: expect.stringMatching(/No video has been uploaded/) });

		const notVideo = await uploadFixture(emulator, 'README.md', 'notes.mp4');
		expect(await failureOf({ input_url: notVideo, infer_fps: 1, models: [RPS_MODEL] })).toMatchObject({ status: 3, message: expect.stringMatching(/Unsupported video format/) });
	});

	it('fails a job whose public URL cannot be downloaded, without echoing the query string', async () => {
		const body = await failureOf({ input_url: `${files.url}/gone.mp4?token=secret-ish`, infer_fps: 1, models: [RPS_MODEL] });
		expect(body).toMatchObject({ status: 3, error: 'InputVideoDownloadFailed', message: expect.stringContaining('HTTP 404') });
		expect(body.message).not.toContain('secret-ish');

		const unreachable = await failureOf({ input_url: 'http://127.0.0.1:1/x.mp4', infer_fps: 1, models: [RPS_MODEL] });
		expect(unreachable).toMatchObject({ status: 3, error: 'InputVideoDownloadFailed' });
	});
});

describe('the record', () => {
	it('keeps method, path, query, headers and parsed body for API calls, and job ids', async () => {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		const input = await uploadFixture(emulator, 'sample.mkv');
		const jobId = await createJob(emulator, { input_url: input, infer_fps: 5, models: [RPS_MODEL] });
		await poll(emulator, jobId);
		const kinds = emulator.requests.map((r) => `${r.host} ${r.method} ${r.path} ${r.status}`);
		expect(kinds).toEqual([
			'api POST /video_upload_signed_url/ 200',
			'storage PUT ' + new URL(input).pathname + ' 200',
			'api POST /videoinfer/ 200',
			'api GET /videoinfer/ 200',
		]);
		const create = emulator.requests[2];
		expect(create).toMatchObject({ jobId, query: { api_key: emulator.apiKey }, body: { input_url: input, infer_fps: 5 } });
		expect(create.headers['content-type']).toBe('application/json');
		expect(typeof create.at).toBe('number');
	});

	it('does not record admin routes, and they answer over HTTP', async () => {
		await callApi(emulator, 'GET', '/');
		const viaHttp = await (await fetch(`${emulator.apiUrl}/__emulator/requests`)).json();
		expect(viaHttp).toHaveLength(1);
		expect((await fetch(`${emulator.apiUrl}/__emulator/jobs`)).status).toBe(200);
		expect(emulator.requests).toHaveLength(1);
	});
});
