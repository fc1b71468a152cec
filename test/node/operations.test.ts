import { writeFileSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow, useBinaryDataMode } from '../harness/in-process-n8n';
import { chain, credentialsFor, emulatorForTests, jsonOf, model, SAMPLE_MP4, SECRET_KEY } from './helpers';

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
			'api POST /videoinfer/ 200',
			'api GET /videoinfer/ 200',
		]);
		const [signedUrlCall, put, create, poll] = emulator.requests;
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
