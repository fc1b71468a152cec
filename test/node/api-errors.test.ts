import type { IDataObject } from 'n8n-workflow';

import type { FaultRule, RoboflowEmulator } from '../emulator/server';
import { runWorkflow, type RunResult } from '../harness/in-process-n8n';
import {
	chain,
	credentialsFor,
	emulatorForTests,
	everythingVisible,
	jsonOf,
	model,
	RPS_MODEL,
	SAMPLE_MP4,
	SECRET_KEY,
	startJobDirectly,
	uploadSample,
} from './helpers';

const upload = { name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } };
const sample = [{ item: 0, field: 'data', path: SAMPLE_MP4, fileName: 'sample.mp4', mimeType: 'video/mp4' }];
const start = (videoUrl: string) => ({
	name: 'Step',
	parameters: { operation: 'startInference', videoUrl, inferFps: 6, models: { model: [model('rock-paper-scissors-presentation/4')] } },
});
const status = (jobId: string, extra: IDataObject = {}) => ({ name: 'Step', parameters: { operation: 'getStatus', jobId, ...extra } });

interface FailureCase {
	label: string;
	fault?: FaultRule;
	apiKey?: string;
	/** Builds the workflow once the emulator is up (some cases need a real job first). */
	build: (emulator: RoboflowEmulator) => Promise<Parameters<typeof chain>>;
	message: RegExp;
	description?: RegExp;
}

const failures: FailureCase[] = [
	{
		label: 'a wrong API key',
		apiKey: 'rf_wrong_key_0000000000',
		build: async () => [[{}], [upload], sample],
		message: /^Roboflow answered HTTP 401 while asking for an upload link: This API key does not exist/,
		description: /API key in the Roboflow API credential/,
	},
	{
		label: 'an unknown job',
		build: async () => [[{}], [status('00000000-0000-4000-8000-000000000000')]],
		message: /^Roboflow answered HTTP 404 while checking job 00000000-0000-4000-8000-000000000000/,
		description: /does not know this job under this API key/,
	},
	{
		label: 'a status check within a minute of the last one',
		build: async (emulator) => {
			const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL]);
			await fetch(`${emulator.apiUrl}/videoinfer/?api_key=${emulator.apiKey}&job_id=${jobId}`);
			return [[{}], [status(jobId)]];
		},
		message: /^Roboflow answered HTTP 429 while checking job/,
		description: /one status check per job per minute.*Wait For Result.*asks to wait \d+ s/s,
	},
	{
		label: 'a server error when starting a job',
		fault: { match: { endpoint: 'createJob' }, fault: { type: 'http', status: 500 } },
		build: async (emulator) => [[{}], [start(`${emulator.storageUrl}/x/clip.mp4`)]],
		message: /^Roboflow answered HTTP 500 while starting the inference job/,
		description: /Retry On Fail/,
	},
	{
		label: 'a dropped connection',
		fault: { match: { endpoint: 'signedUrl' }, fault: { type: 'drop' } },
		build: async () => [[{}], [upload], sample],
		message: /^Could not reach Roboflow while asking for an upload link/,
		description: /Base URL/,
	},
	{
		label: 'the storage host refusing the upload',
		fault: { match: { host: 'storage', endpoint: 'upload' }, fault: { type: 'http', status: 503 } },
		build: async () => [[{}], [upload], sample],
		message: /^Roboflow's storage answered HTTP 503.* while uploading the video/,
		description: /had a problem on its side\. Try again later\. The node tried 4 times\. Storage location: http:\/\/127\.0\.0\.1:\d+\/roboflow_video_inference_input\/.+\/sample-[a-z0-9]{8}\.mp4$/,
	},
	{
		label: 'an expired results link',
		fault: { fault: { type: 'expiredOutputUrl' } },
		build: async (emulator) => {
			emulator.configure({ processing: { fixedSeconds: 0 } });
			const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL]);
			return [[{}], [status(jobId, { downloadResults: true })]];
		},
		message: /^Roboflow's storage answered HTTP 40[03].*while downloading the results of job/,
		description: /results link has expired or was refused.*fresh one/,
	},
];

describe('every failure path gives a clear error and never shows the API key or a signed URL', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => {
		emulator.reset();
		emulator.configure({ processing: { baseSeconds: 60, secondsPerVideoSecondPerModel: 1 } });
	});

	const assertNoSecrets = (result: RunResult) => {
		const visible = everythingVisible(result);
		expect(visible).not.toContain(SECRET_KEY);
		expect(visible).not.toMatch(/api_key=(?!\[redacted\])/);
		expect(visible).not.toContain('X-Goog-Signature=');
	};

	it.each(failures)('$label: fails the node', async ({ fault, apiKey, build, message, description }) => {
		if (fault) emulator.addFault(fault);
		const result = await runWorkflow(chain(...(await build(emulator))), { credentials: credentialsFor(emulator, apiKey) });
		expect(result.error?.message).toMatch(message);
		if (description) expect(String(result.error?.description)).toMatch(description);
		assertNoSecrets(result);
	});

	it.each(failures)('$label: becomes an error item under Continue On Fail', async ({ fault, apiKey, build, message }) => {
		if (fault) emulator.addFault(fault);
		const [items, steps, files] = await build(emulator);
		const result = await runWorkflow(chain(items, steps.map((s) => ({ ...s, continueOnFail: true })), files), {
			credentials: credentialsFor(emulator, apiKey),
		});
		expect(result.error).toBeUndefined();
		const [errorItem] = jsonOf(result, 'Step');
		expect(String(errorItem.error)).toMatch(message);
		assertNoSecrets(result);
	});
});

describe('Get Status', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	it('reports a failed job with its status code and Roboflow\'s message, without failing the node', async () => {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		emulator.addFault({ fault: { type: 'jobFailed', status: 3, message: 'Model inference crashed on frame 12' } });
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL]);
		const result = await runWorkflow(chain([{}], [status(jobId)]), { credentials: credentialsFor(emulator) });
		expect(result.error).toBeUndefined();
		expect(jsonOf(result, 'Step')[0]).toMatchObject({
			job_id: jobId,
			state: 'failed',
			status_code: 3,
			error: expect.stringContaining('Model inference crashed on frame 12'),
		});
	});

	it('reports a finished job with its results link, and downloads the results when asked', async () => {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL]);
		const plain = await runWorkflow(chain([{}], [status(jobId)]), { credentials: credentialsFor(emulator) });
		expect(jsonOf(plain, 'Step')[0]).toMatchObject({ job_id: jobId, state: 'completed', status_code: 0, output_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1/) });

		// A second check of the same job must wait for Roboflow's minute.
		emulator.configure({ pollWindowMs: 0 });
		const downloaded = await runWorkflow(chain([{}], [status(jobId, { downloadResults: true })]), {
			credentials: credentialsFor(emulator),
		});
		const [summary] = jsonOf(downloaded, 'Step');
		expect(summary).toMatchObject({ job_id: jobId, state: 'completed', frames_inferred: expect.any(Number) });
		expect(Object.keys(summary.models as object)).toEqual(['rock-paper-scissors-presentation']);
	});
});
