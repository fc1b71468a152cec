/**
 * One shape of Continue On Fail error item for every operation, Wait For Result included.
 */
import type { IDataObject } from 'n8n-workflow';

import { buildInlineWaitWorkflow, RESULT_NODE_NAME } from '../../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import { ERROR_ITEM_FIELDS } from '../../nodes/RoboflowVideo/actions/shared/errorItem';
import type { RoboflowEmulator } from '../emulator/server';
import { ROBOFLOW_NODE_TYPE, runWorkflow, sourceThenRoboflow } from '../harness/in-process-n8n';
import { credentialsFor, emulatorForTests, model, RPS_MODEL, startJobDirectly, uploadSample, waitSettings } from './helpers';

describe('every operation fails an item the same way under Continue On Fail', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests({ pollWindowMs: 0 });
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	const cases: Array<[string, () => Promise<{ parameters: IDataObject; item: IDataObject }>, string | null]> = [
		['Upload Video (no binary)', async () => ({ parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' }, item: {} }), null],
		[
			'Start Inference (Roboflow refuses)',
			async () => {
				emulator.addFault({ match: { endpoint: 'createJob' }, fault: { type: 'http', status: 400 } });
				return { parameters: { operation: 'startInference', videoUrl: 'https://example.com/a.mp4', inferFps: 5, models: { model: [model('m/1')] } }, item: {} };
			},
			null,
		],
		['Get Status (unknown job)', async () => ({ parameters: { operation: 'getStatus', jobId: 'no-such-job' }, item: {} }), 'no-such-job'],
	];

	it.each(cases)('%s', async (_, build, jobId) => {
		const { parameters, item } = await build();
		const result = await runWorkflow(sourceThenRoboflow([{ ok: 1 }, item], { ...parameters, jobId: parameters.jobId ?? '' }, { continueOnFail: true }), {
			credentials: credentialsFor(emulator),
		});
		expect(result.error).toBeUndefined();
		const items = result.output('Roboflow')[0];
		const failed = items.find((i) => (i.json as IDataObject).item_index === 1) ?? items[items.length - 1];
		expect(Object.keys(failed.json).sort()).toEqual([...ERROR_ITEM_FIELDS].sort());
		expect(failed.json).toMatchObject({ error: expect.stringMatching(/\S/), item_index: 1, job_id: jobId });
		expect(failed.pairedItem).toEqual({ item: 1 });
	});

	it('Wait For Result (a failed job)', async () => {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		emulator.addFault({ fault: { type: 'jobFailed', status: 3, message: 'crashed' } });
		const jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL]);
		const sub = buildInlineWaitWorkflow(
			{ id: 'w', name: 'Wait For Result', type: ROBOFLOW_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {}, onError: 'continueRegularOutput', credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } } },
			waitSettings(),
		);
		const result = await runWorkflow({ nodes: sub.nodes, connections: sub.connections }, { credentials: credentialsFor(emulator), startItems: [{ json: { job_id: jobId } }] });
		const [failed] = result.output(RESULT_NODE_NAME)[0];
		expect(Object.keys(failed.json).sort()).toEqual([...ERROR_ITEM_FIELDS].sort());
		expect(failed.json).toMatchObject({ item_index: 0, job_id: jobId, state: 'failed' });
	});

	it('an internal check step whose settings were tampered with says so clearly', async () => {
		const sub = buildInlineWaitWorkflow({ id: 'w', name: 'Wait For Result', type: ROBOFLOW_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} }, waitSettings());
		const check = sub.nodes.find((n) => n.type === ROBOFLOW_NODE_TYPE)!;
		check.parameters = { ...check.parameters, waitSettings: '{"intervalMs": 1000}' };
		const result = await runWorkflow({ nodes: sub.nodes, connections: sub.connections }, { credentials: credentialsFor(emulator), startItems: [{ json: { job_id: 'job-1' } }] });
		expect(result.error?.message).toMatch(/^The settings Wait For Result passed to its checking step cannot be used: the poll interval is missing or under a minute/);
		expect(String(result.error?.description)).toMatch(/Run the workflow again from the Wait For Result node/);
		expect(emulator.requests).toEqual([]);
	});
});
