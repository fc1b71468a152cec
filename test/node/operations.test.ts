import { writeFileSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { IDataObject } from 'n8n-workflow';

import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow, useBinaryDataMode } from '../harness/in-process-n8n';
import { shapeResultsText } from '../../nodes/RoboflowVideo/results/output';
import { failedJobAdvice } from '../../nodes/RoboflowVideo/actions/waitForResult/jobTracker';
import { chain, credentialsFor, emulatorForTests, everythingVisible, jsonOf, model, RPS_MODEL, SAMPLE_MP4, SECRET_KEY, startJobDirectly, uploadSample, waitSettings, withPolicy } from './helpers';

const sampleFile = (item = 0, extra = {}) => ({
	item,
	field: 'data',
	path: SAMPLE_MP4,
	fileName: 'sample.mp4',
	mimeType: 'video/mp4',
	...extra,
});

describe('Upload Video, Start Inference and Get Status in a real n8n-core run', () => {
	let emulator: RoboflowEmulator;

	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	it('uploads the sample, starts a two-model job and reads its status, sending exactly what the SDK sends', async () => {
		const result = await runWorkflow(
			chain(
				[{}],
				[
					{ name: 'Upload', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } },
					{
						name: 'Start',
						parameters: {
							operation: 'startInference',
							videoUrl: '={{ $json.input_url }}',
							inferFps: 6,
							models: {
								model: [
									model('rock-paper-scissors-presentation/4', 'object-detection', { confidence: 0.5 }),
									model('pothole-segmentation/2', 'instance-segmentation'),
								],
							},
						},
					},
					{ name: 'Status', parameters: { operation: 'getStatus', jobId: '={{ $json.job_id }}' } },
				],
				[sampleFile()],
			),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error).toBeUndefined();

		const [upload] = jsonOf(result, 'Upload');
		expect(upload).toMatchObject({ file_name: 'sample.mp4', size_bytes: 14817, mime_type: 'video/mp4' });
		expect(upload.stored_as).toMatch(/^sample-[a-z0-9]{8}\.mp4$/);
		expect(String(upload.input_url)).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/.+/${upload.stored_as}\\?X-Goog-Algorithm=`));

		const [started] = jsonOf(result, 'Start');
		expect(started.job_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(JSON.stringify(started)).not.toContain('X-Goog-Signature');

		const [status] = jsonOf(result, 'Status');
		expect(status).toMatchObject({ job_id: started.job_id, state: 'processing', status_code: 1 });

		const served = emulator.requests.map((r) => `${r.host} ${r.method} ${r.path} ${r.status}`);
		expect(served).toEqual([
			'api POST /video_upload_signed_url/ 200',
			expect.stringMatching(/^storage PUT \/roboflow_video_inference_input\/.+\/sample-[a-z0-9]{8}\.mp4 200$/),
			// Before the job starts: the key's workspace, then each model's project (its type).
			'api GET / 200',
			'api GET /emulator-workspace/rock-paper-scissors-presentation 200',
			'api GET /emulator-workspace/pothole-segmentation 200',
			'api POST /videoinfer/ 200',
			'api GET /videoinfer/ 200',
		]);
		const [signedUrlCall, put, , , , create, poll] = emulator.requests;
		expect(signedUrlCall.body).toEqual({ file_name: upload.stored_as });
		expect(put.body).toEqual({ bytes: 14817 });
		expect(put.headers['content-type']).toBe('application/octet-stream');
		expect(put.headers['content-length']).toBe('14817');
		expect(create.body).toEqual({
			input_url: upload.input_url,
			infer_fps: 6,
			models: [
				{
					model_id: 'rock-paper-scissors-presentation',
					model_version: '4',
					inference_type: 'object-detection',
					inference_params: { confidence: 0.5 },
				},
				{ model_id: 'pothole-segmentation', model_version: '2', inference_type: 'instance-segmentation' },
			],
		});
		expect(poll.query).toEqual({ api_key: SECRET_KEY, job_id: started.job_id });
		// The key goes to the API host only, never to the storage host of the signed URL.
		for (const request of emulator.requests.filter((r) => r.host === 'storage')) {
			expect(JSON.stringify(request)).not.toContain(SECRET_KEY);
		}
		expect(emulator.jobs()[0]).toMatchObject({ state: expect.stringMatching(/preparing|running/) });
	});

	it('gives each upload its own storage name, so concurrent uploads of one file name never overwrite each other', async () => {
		const result = await runWorkflow(
			chain([{}, {}], [{ name: 'Upload', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } }], [sampleFile(0), sampleFile(1)]),
			{ credentials: credentialsFor(emulator) },
		);
		const [first, second] = jsonOf(result, 'Upload');
		expect(first.file_name).toBe(second.file_name);
		expect(first.stored_as).not.toBe(second.stored_as);
		expect(first.input_url).not.toBe(second.input_url);
	});

	it('uploads from in-memory binary data as well as from the filesystem store', async () => {
		await useBinaryDataMode('default');
		try {
			const result = await runWorkflow(
				chain([{}], [{ name: 'Upload', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } }], [sampleFile()]),
				{ credentials: credentialsFor(emulator) },
			);
			expect(result.error).toBeUndefined();
			expect(jsonOf(result, 'Upload')[0]).toMatchObject({ size_bytes: 14817 });
			expect(emulator.requests.find((r) => r.method === 'PUT')?.body).toEqual({ bytes: 14817 });
		} finally {
			await useBinaryDataMode('filesystem');
		}
	});

	it('handles several items, pairing each output with its input', async () => {
		const urls = [1, 2, 3].map((n) => `${emulator.storageUrl}/public/clip-${n}.mp4`);
		const result = await runWorkflow(
			chain(
				urls.map((url) => ({ url })),
				[
					{
						name: 'Start',
						parameters: {
							operation: 'startInference',
							videoUrl: '={{ $json.url }}',
							inferFps: 2,
							models: { model: [model('rock-paper-scissors-presentation/3')] },
							options: { extraModels: ['clip', 'gaze'] },
						},
					},
				],
			),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error).toBeUndefined();
		const out = result.output('Start')[0];
		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const bodies = emulator.requests.filter((r) => r.path === '/videoinfer/').map((r) => r.body as { input_url: string; models: unknown[] });
		expect(bodies.map((b) => b.input_url)).toEqual(urls);
		expect(bodies[0].models).toEqual([
			{ model_id: 'rock-paper-scissors-presentation', model_version: '3', inference_type: 'object-detection' },
			{ model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
			{ model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
		]);
		expect(new Set(out.map((item) => item.json.job_id)).size).toBe(3);
	});

	it('with Continue On Fail, turns a bad item into an error item and goes on with the others', async () => {
		const result = await runWorkflow(
			chain(
				[{ fps: 5 }, { fps: 500 }, { fps: 10 }],
				[
					{
						name: 'Start',
						continueOnFail: true,
						parameters: {
							operation: 'startInference',
							videoUrl: 'https://example.com/a.mp4',
							inferFps: '={{ $json.fps }}',
							models: { model: [model('rock-paper-scissors-presentation/4')] },
						},
					},
				],
			),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error).toBeUndefined();
		const out = result.output('Start')[0];
		expect(out).toHaveLength(3);
		expect(out[0].json.job_id).toBeDefined();
		expect(out[1]).toMatchObject({ json: { error: expect.stringContaining('Item 2: Inference FPS must be a whole number from 1 to 120') }, pairedItem: { item: 1 } });
		expect(out[2].json.job_id).toBeDefined();
		expect(emulator.requests.filter((r) => r.path === '/videoinfer/')).toHaveLength(2);
	});
});

describe('bad input is refused before any network call, naming the item and the fix', () => {
	let emulator: RoboflowEmulator;
	const dir = mkdtempSync(join(tmpdir(), 'rf-bad-input-'));
	const empty = join(dir, 'empty.mp4');
	const mov = join(dir, 'clip.mov');
	writeFileSync(empty, '');
	writeFileSync(mov, 'not really a video');

	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	const cases: Array<[string, Parameters<typeof chain>, RegExp, RegExp]> = [
		[
			'no such binary field',
			[[{}, {}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'video' } }], [sampleFile(1)]],
			/^Item 1: has no binary field "video"/,
			/no binary data/,
		],
		[
			'a binary field under another name',
			[[{}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'video' } }], [sampleFile(0)]],
			/^Item 1: has no binary field "video"/,
			/binary fields are: data/,
		],
		[
			'an empty file',
			[[{}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } }], [sampleFile(0, { path: empty, fileName: 'empty.mp4' })]],
			/^Item 1: the video in "data" is empty/,
			/wrote no content/,
		],
		[
			'a container Roboflow does not take',
			[[{}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } }], [sampleFile(0, { path: mov, fileName: 'clip.mov', mimeType: 'video/quicktime' })]],
			/^Item 1: "clip\.mov" is not a video Roboflow accepts/,
			/mp4, avi, mkv, webm/,
		],
		[
			'a video URL that is not http(s)',
			[[{}], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: 'ftp://example.com/a.mp4', inferFps: 5, models: { model: [model('rock-paper-scissors-presentation/4')] } } }]],
			/^Item 1: Video URL must start with http:\/\/ or https:\/\//,
			/public http\(s\) URL/,
		],
		[
			'an empty video URL',
			[[{}], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: '={{ $json.input_url }}', inferFps: 5, models: { model: [model('rock-paper-scissors-presentation/4')] } } }]],
			/^Item 1: Video URL is empty/,
			/Upload Video returned/,
		],
		[
			'a model that is not project/version',
			// Typed in the list's ID mode n8n's own validation would stop it; an expression gets through.
			[[{ model: 'rock-paper-scissors' }], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: 'https://example.com/a.mp4', inferFps: 5, models: { model: [model('={{ $json.model }}')] } } }]],
			/^Item 1: model 1 "rock-paper-scissors" is not a Roboflow model ID/,
			/project\/version/,
		],
		[
			'no model at all',
			[[{}], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: 'https://example.com/a.mp4', inferFps: 5, models: {} } }]],
			/^Item 1: no model to run/,
			/Add at least one model/,
		],
		[
			'the same model twice',
			[[{}], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: 'https://example.com/a.mp4', inferFps: 5, models: { model: [model('rock-paper-scissors-presentation/4'), model('rock-paper-scissors-presentation/3')] } } }]],
			/^Item 1: model "rock-paper-scissors-presentation" is listed twice/,
			/once per job/,
		],
		[
			'inference parameters that are not JSON',
			[[{}], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: 'https://example.com/a.mp4', inferFps: 5, models: { model: [model('rock-paper-scissors-presentation/4', 'object-detection', { inferenceParameters: '{overlap: 0.3' })] } } }]],
			/^Item 1: model 1 inference parameters are not valid JSON/,
			/JSON object/,
		],
		[
			'a confidence given as a percentage',
			[[{}], [{ name: 'Step', parameters: { operation: 'startInference', videoUrl: 'https://example.com/a.mp4', inferFps: 5, models: { model: [model('rock-paper-scissors-presentation/4', 'object-detection', { confidence: 40 })] } } }]],
			/^Item 1: model 1 confidence must be between 0 and 1, not 40/,
			/fraction/,
		],
		[
			'an empty job ID',
			[[{}], [{ name: 'Step', parameters: { operation: 'getStatus', jobId: '={{ $json.job_id }}' } }]],
			/^Item 1: Job ID is empty/,
			/Start Inference returned/,
		],
		[
			'a job ID that cannot be one',
			[[{}], [{ name: 'Step', parameters: { operation: 'getStatus', jobId: 'not a job/../id' } }]],
			/^Item 1: Job ID "not a job\/..\/id" is not a Roboflow job ID/,
			/job_id field/,
		],
	];

	it.each(cases)('%s', async (_label, chainArgs, message, description) => {
		const result = await runWorkflow(chain(...chainArgs), { credentials: credentialsFor(emulator) });
		expect(result.error?.message).toMatch(message);
		expect(String(result.error?.description)).toMatch(description);
		expect(emulator.requests).toEqual([]);
	});
});

describe('Start Inference takes each model\'s type from its Roboflow project, before any job starts', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	const VIDEO = 'https://example.com/clip.mp4';
	/** A model as a mode of the Model field holds it; Inference Type left out means its default. */
	const entry = (mode: 'list' | 'id' | 'url', value: string, inferenceType?: string): IDataObject => ({
		model: { __rl: true, mode, value },
		...(inferenceType ? { inferenceType } : {}),
		options: {},
	});
	const start = (models: IDataObject[], extra: IDataObject = {}) => ({
		name: 'Start',
		parameters: { operation: 'startInference', videoUrl: VIDEO, inferFps: 5, models: { model: models }, ...extra },
	});
	const served = () => emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
	const jobRequests = () => emulator.requests.filter((r) => r.path === '/videoinfer/');
	const sentModels = () => (jobRequests()[0]?.body as { models?: unknown[] } | undefined)?.models;

	it('refuses a segmentation model picked from the list with the type left wrong, before any request to /videoinfer', async () => {
		const result = await runWorkflow(chain([{}], [start([entry('list', 'pothole-segmentation/2', 'object-detection')])]), { credentials: credentialsFor(emulator) });
		expect(result.error?.message).toBe(
			'Item 1: model 1 "pothole-segmentation/2" is an instance segmentation model (its Roboflow project\'s type), but its Inference Type is set to object detection',
		);
		expect(String(result.error?.description)).toMatch(/Roboflow would start the job \(which is billed\) and then fail it\. Set Inference Type to Automatic \(From the Model's Project\) or to Instance Segmentation\./);
		expect(served()).toEqual(['GET / 200', 'GET /emulator-workspace/pothole-segmentation 200']);
		expect(jobRequests()).toEqual([]);
		expect(emulator.jobs()).toEqual([]);
	});

	it('Automatic (the default) sends the project\'s type for models from the list, by ID and by URL', async () => {
		const result = await runWorkflow(
			chain(
				[{}],
				[
					start([
						entry('list', 'pothole-segmentation/2'),
						entry('id', 'hand-keypoints/1', 'auto'),
						entry('url', 'https://app.roboflow.com/emulator-workspace/weather-classification/3/train'),
						entry('id', 'emulator-workspace/rock-paper-scissors-presentation/4'),
					]),
				],
			),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error).toBeUndefined();
		const expected = [
			{ model_id: 'pothole-segmentation', model_version: '2', inference_type: 'instance-segmentation' },
			{ model_id: 'hand-keypoints', model_version: '1', inference_type: 'keypoint-detection' },
			{ model_id: 'weather-classification', model_version: '3', inference_type: 'classification' },
			{ model_id: 'rock-paper-scissors-presentation', model_version: '4', inference_type: 'object-detection' },
		];
		expect(sentModels()).toEqual(expected);
		expect(jsonOf(result, 'Start')[0].models).toEqual(expected);
		// One look-up per project; the key's workspace is read once, only for models that do not name theirs.
		expect(served().sort()).toEqual(
			[
				'GET / 200',
				'GET /emulator-workspace/hand-keypoints 200',
				'GET /emulator-workspace/pothole-segmentation 200',
				'GET /emulator-workspace/rock-paper-scissors-presentation 200',
				'GET /emulator-workspace/weather-classification 200',
				'POST /videoinfer/ 200',
			].sort(),
		);
		expect(served()[served().length - 1]).toBe('POST /videoinfer/ 200');
	});

	it('a model URL that names its workspace needs no read of the key\'s workspace', async () => {
		const result = await runWorkflow(chain([{}], [start([entry('url', 'https://universe.roboflow.com/emulator-workspace/people-detection/model/2')])]), {
			credentials: credentialsFor(emulator),
		});
		expect(result.error).toBeUndefined();
		expect(served()).toEqual(['GET /emulator-workspace/people-detection 200', 'POST /videoinfer/ 200']);
		expect(sentModels()).toEqual([{ model_id: 'people-detection', model_version: '2', inference_type: 'object-detection' }]);
	});

	it('a type set by hand that matches is sent as set', async () => {
		const result = await runWorkflow(chain([{}], [start([entry('list', 'pothole-segmentation/1', 'instance-segmentation')])]), { credentials: credentialsFor(emulator) });
		expect(result.error).toBeUndefined();
		expect(sentModels()).toEqual([{ model_id: 'pothole-segmentation', model_version: '1', inference_type: 'instance-segmentation' }]);
	});

	it('a model this key cannot read: Automatic refuses (no job), a type set by hand is the override', async () => {
		const universe = 'https://universe.roboflow.com/someone-else/forklifts/model/3';
		const refused = await runWorkflow(chain([{}], [start([entry('url', universe)])]), { credentials: credentialsFor(emulator) });
		expect(refused.error?.message).toBe('Item 1: model 1 "someone-else/forklifts/3": Roboflow does not show project "forklifts" to this API key in workspace "someone-else", so its type cannot be read');
		expect(String(refused.error?.description)).toMatch(/set its Inference Type to the model's type/);
		expect(jobRequests()).toEqual([]);

		emulator.reset();
		const byId = await runWorkflow(chain([{}], [start([entry('id', 'forklifts/3')])]), { credentials: credentialsFor(emulator) });
		expect(byId.error?.message).toMatch(/^Item 1: model 1 "forklifts\/3": Roboflow does not show project "forklifts" to this API key, so its type cannot be read/);
		expect(String(byId.error?.description)).toMatch(/another workspace \(e\.g\. from Universe\), pick it By URL/);
		expect(served()).toEqual(['GET / 200', 'GET /emulator-workspace/forklifts 404']);

		emulator.reset();
		const overridden = await runWorkflow(chain([{}], [start([entry('url', universe, 'keypoint-detection')])]), { credentials: credentialsFor(emulator) });
		expect(overridden.error).toBeUndefined();
		expect(served()).toEqual(['GET /someone-else/forklifts 404', 'POST /videoinfer/ 200']);
		expect(sentModels()).toEqual([{ model_id: 'forklifts', model_version: '3', inference_type: 'keypoint-detection' }]);
	});

	it('a semantic segmentation model is refused whatever its Inference Type', async () => {
		for (const type of [undefined, 'object-detection']) {
			emulator.reset();
			const result = await runWorkflow(chain([{}], [start([entry('id', 'road-semantic-segmentation/1', type)])]), { credentials: credentialsFor(emulator) });
			expect(result.error?.message).toBe('Item 1: model 1 "road-semantic-segmentation/1" is a semantic segmentation model, which Roboflow\'s video inference cannot run');
			expect(jobRequests()).toEqual([]);
		}
	});

	it('CLIP and gaze have fixed types and need no look-up', async () => {
		const result = await runWorkflow(chain([{}], [start([entry('id', 'clip/1')], { options: { extraModels: ['gaze'] } })]), { credentials: credentialsFor(emulator) });
		expect(result.error).toBeUndefined();
		expect(served()).toEqual(['POST /videoinfer/ 200']);
		expect(sentModels()).toEqual([
			{ model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
			{ model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
		]);
	});

	it('looks each project up once for a batch, and a later item\'s wrong type stops the node before the first job', async () => {
		const items = [{ m: 'pothole-segmentation/2' }, { m: 'pothole-segmentation/2' }, { m: 'hand-keypoints/1' }];
		const wrongForThird = [{ model: { __rl: true, mode: 'id', value: '={{ $json.m }}' }, inferenceType: 'instance-segmentation', options: {} }];
		const result = await runWorkflow(chain(items, [start(wrongForThird)]), { credentials: credentialsFor(emulator) });
		expect(result.error?.message).toBe(
			'Item 3: model 1 "hand-keypoints/1" is a keypoint detection model (its Roboflow project\'s type), but its Inference Type is set to instance segmentation',
		);
		expect(jobRequests()).toEqual([]);
		expect(served().sort()).toEqual(['GET / 200', 'GET /emulator-workspace/hand-keypoints 200', 'GET /emulator-workspace/pothole-segmentation 200'].sort());

		emulator.reset();
		const continued = await runWorkflow(chain(items, [{ ...start(wrongForThird), continueOnFail: true }]), { credentials: credentialsFor(emulator) });
		expect(continued.error).toBeUndefined();
		const out = continued.output('Start')[0];
		expect(out.map((i) => [i.pairedItem, typeof i.json.job_id === 'string' ? 'job' : i.json.error])).toEqual([
			[{ item: 0 }, 'job'],
			[{ item: 1 }, 'job'],
			[{ item: 2 }, expect.stringMatching(/^Item 3: model 1 "hand-keypoints\/1" is a keypoint detection model/)],
		]);
		expect(jobRequests()).toHaveLength(2);
		expect(served().filter((r) => r.startsWith('GET'))).toHaveLength(3);
	});

	it('a look-up Roboflow cannot answer fails the node with the reason and starts no job', async () => {
		emulator.addFault({ match: { endpoint: 'project' }, fault: { type: 'http', status: 503 } });
		const result = await withPolicy({ backoffMs: [1, 1, 1] }, async () =>
			await runWorkflow(chain([{}], [start([entry('list', 'pothole-segmentation/2', 'instance-segmentation')])]), { credentials: credentialsFor(emulator) }),
		);
		expect(result.error?.message).toMatch(/^Roboflow answered HTTP 503 while looking up the type of model 1 \(project pothole-segmentation\)/);
		expect(String(result.error?.description)).toMatch(/tried 4 times/);
		expect(jobRequests()).toEqual([]);
	});

	it('a wrong key fails at the look-up, without showing the key', async () => {
		const wrong = 'rf_wrong_key_for_lookup_01';
		const result = await runWorkflow(chain([{}], [start([entry('list', 'pothole-segmentation/2')])]), { credentials: credentialsFor(emulator, wrong) });
		expect(result.error?.message).toMatch(/^Roboflow answered HTTP 401 while reading your workspace: This API key does not exist/);
		expect(everythingVisible(result)).not.toContain(wrong);
		expect(jobRequests()).toEqual([]);
	});
});

describe('Get Status re-shapes a finished job\'s results from an earlier check\'s link, without checking again', () => {
	let emulator: RoboflowEmulator;
	const CLIP = { model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' };

	beforeAll(async () => {
		// As Roboflow: one status check per job per minute.
		emulator = await emulatorForTests({ pollWindowMs: 60_000 });
	});
	afterAll(async () => await emulator.close());
	beforeEach(async () => {
		await emulator.reset();
		emulator.configure({ processing: { fixedSeconds: 0 } });
	});

	const run = async (items: IDataObject[], steps: Parameters<typeof chain>[1]) => await runWorkflow(chain(items, steps), { credentials: credentialsFor(emulator) });
	const check = (jobId: string) => ({ name: 'Check', parameters: { operation: 'getStatus', jobId } });
	/** Job ID and Results URL left at their defaults: {{ $json.job_id }} and {{ $json.output_url }} of the previous node. */
	const reshape = (parameters: IDataObject = {}) => ({ name: 'Reshape', parameters: { operation: 'getStatus', downloadResults: true, resultsLink: 'url', ...parameters } });

	it('Summary, then One Item per Frame, Raw and a Summary with other options within the minute: one status check in all, right outputs', async () => {
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL, CLIP], 6);
		const first = await run([{}], [check(jobId), reshape()]);
		expect(first.error).toBeUndefined();
		const [checked] = jsonOf(first, 'Check');
		expect(checked).toMatchObject({ job_id: jobId, state: 'completed', output_url: expect.stringMatching(/^http:/) });
		const text = await (await fetch(String(checked.output_url))).text();
		const file = JSON.parse(text) as { frame_offset: number[] };
		expect(jsonOf(first, 'Reshape')).toEqual(shapeResultsText(jobId, text, waitSettings().results));
		expect(emulator.statusPolls(jobId)).toHaveLength(1);

		// Executing only the second node again, on the first node's output (what the editor does when its parent already ran).
		const frames = await run([checked], [reshape({ output: 'perFrame', resultOptions: { onlyFramesWithPredictions: false } })]);
		expect(frames.error).toBeUndefined();
		expect(jsonOf(frames, 'Reshape').map((item) => item.frame_index)).toEqual(file.frame_offset.map((_, i) => i));
		const raw = await run([checked], [reshape({ output: 'raw' })]);
		expect(jsonOf(raw, 'Reshape')).toEqual([{ job_id: jobId, state: 'completed', results: JSON.parse(text) }]);
		const options = { minConfidence: 0.7, classes: 'Rock, Lizard' };
		const filtered = await run([checked], [reshape({ resultOptions: options })]);
		expect(jsonOf(filtered, 'Reshape')).toEqual(shapeResultsText(jobId, text, waitSettings({ resultOptions: options }).results));
		expect(jsonOf(filtered, 'Reshape')[0].filters).toEqual({ min_confidence: 0.7, classes: ['Rock', 'Lizard'] });

		expect(emulator.statusPolls(jobId)).toHaveLength(1);
		expect(emulator.requests.filter((r) => r.status === 429)).toEqual([]);
		// The rule was in force all along: a second check now would be refused.
		const again = await fetch(`${emulator.apiUrl}/videoinfer/?api_key=${emulator.apiKey}&job_id=${jobId}`);
		expect(again.status).toBe(429);
	});

	it('Binary File from the link: the file in n8n\'s binary storage, no status check', async () => {
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL], 6);
		const [checked] = jsonOf(await run([{}], [check(jobId)]), 'Check');
		const result = await run([checked], [reshape({ output: 'binary', outputBinaryField: 'results' })]);
		expect(result.error).toBeUndefined();
		const [item] = result.output('Reshape')[0];
		expect(item.json).toMatchObject({ job_id: jobId, state: 'completed', file_name: `roboflow-video-results-${jobId}.json` });
		expect(item.binary?.results).toMatchObject({ mimeType: 'application/json' });
		expect(emulator.statusPolls(jobId)).toHaveLength(1);
	});

	it('an expired link: the clear error, saying where a fresh one comes from, and no status check', async () => {
		emulator.addFault({ fault: { type: 'expiredOutputUrl' } });
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL], 6);
		const [checked] = jsonOf(await run([{}], [check(jobId)]), 'Check');
		expect(checked.state).toBe('completed');
		const result = await run([checked], [reshape()]);
		expect(result.error?.message).toMatch(new RegExp(`^Roboflow's storage answered HTTP 40[03].*while downloading the results of job ${jobId}`));
		const description = String(result.error?.description);
		expect(description).toMatch(/^The link in Results URL came from an earlier Get Status and storage refused it \(results links expire after a while\): run that Get Status again for a fresh output_url, or set Results Link to From a New Status Check\./);
		expect(description).toMatch(/results link has expired or was refused/);
		// The error shows where the file is, never the link's signature (the input item holds the link, as Get Status outputs it).
		expect(`${result.error?.message} ${description}`).not.toContain('X-Goog-Signature');
		expect(emulator.statusPolls(jobId)).toHaveLength(1);
	});

	it('with Continue On Fail, an expired link is an error item with the same advice', async () => {
		emulator.addFault({ fault: { type: 'expiredOutputUrl' } });
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL], 6);
		const [checked] = jsonOf(await run([{}], [check(jobId)]), 'Check');
		const result = await run([checked], [{ ...reshape(), continueOnFail: true }]);
		expect(result.error).toBeUndefined();
		expect(jsonOf(result, 'Reshape')).toEqual([expect.objectContaining({ job_id: jobId, error: expect.stringMatching(/while downloading the results/), description: expect.stringMatching(/^The link in Results URL/) })]);
	});

	it.each([
		['a job still running (no output_url)', { job_id: 'f0e1d2c3-0000-4000-8000-000000000001', state: 'processing' }, {}, /^Item 1: Results URL is empty/, /If on \{\{ \$json\.state \}\} is equal to completed/],
		['something that is not a link', { job_id: 'f0e1d2c3-0000-4000-8000-000000000001' }, { resultsUrl: 'results.json' }, /^Item 1: Results URL is not an http\(s\) link/, /output_url of a completed Get Status/],
	])('%s: refused before any request, saying what to do', async (_, input, parameters, message, advice) => {
		const result = await run([input], [reshape(parameters)]);
		expect(result.error?.message).toMatch(message);
		expect(String(result.error?.description)).toMatch(advice);
		expect(emulator.requests).toEqual([]);
	});

	it('Results Link left at From a New Status Check: checks the job as before', async () => {
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL], 6);
		const result = await run([{}], [{ name: 'Status', parameters: { operation: 'getStatus', jobId, downloadResults: true } }]);
		expect(jsonOf(result, 'Status')[0]).toMatchObject({ job_id: jobId, state: 'completed', models: expect.any(Object) });
		expect(emulator.statusPolls(jobId)).toHaveLength(1);
	});
});

describe('Wait For Result: the advice for a failed job fits what failed', () => {
	it.each([
		['the video could not be fetched', 'The input video could not be downloaded from https://example.com/clip.mp4: HTTP 404 (InputVideoDownloadFailed)', /^Roboflow could not fetch the video from its Video URL\. Check that the URL is public and still valid/],
		['the stored upload is gone', 'The uploaded video was not found (InputVideoNotFound)', /^Roboflow could not fetch the video/],
		['the video could not be decoded', 'Could not decode the input video: moov atom not found (InvalidVideo)', /^Roboflow could not decode the video: the file may be damaged, cut off, or in a codec it cannot read\. .*re-encode it/],
		['a crash while decoding a frame', 'Model crashed while decoding frame 12', /^Roboflow could not decode the video/],
		['the frame rate', 'infer_fps (30) must not exceed the video frame rate (24 fps). (InvalidInferFps)', /^Set Inference FPS to at most the video's own frame rate/],
		['a model', 'Model rock-paper-scissors/9 not found (ModelNotFound)', /^A model could not run on this video\. Check each model's ID and version/],
		['an inference type', 'Unsupported inference_type "semantic-segmentation" for model m (InvalidInferenceType)', /^A model could not run on this video/],
		['a model crash', 'Model inference crashed on frame 12', /^A model could not run on this video/],
		['nothing it names', 'Internal error', /^Roboflow's message above says what failed\. If it is the video: .* If it is a model: /],
		['no message', undefined, /^Roboflow's message above says what failed/],
	])('%s', (_, message, advice) => {
		const text = failedJobAdvice(message);
		expect(text).toMatch(advice);
		expect(text).toMatch(/start a new job\.$/i);
	});
});

