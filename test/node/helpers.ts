import { DEFAULT_ANALYTICS } from '../../nodes/RoboflowVideo/results/analytics/analytics';
import type { IDataObject, INode } from 'n8n-workflow';
import { join } from 'path';

import type { WaitSettings } from '../../nodes/RoboflowVideo/actions/waitForResult/settings';
import { transferPolicy } from '../../nodes/RoboflowVideo/transport/policy';
import { startEmulator, type EmulatorOptions, type RoboflowEmulator } from '../emulator/server';
import { ROBOFLOW_NODE_TYPE, SOURCE_NODE_TYPE, type RunResult, type WorkflowSpec } from '../harness/in-process-n8n';

/**
 * Retries wait for real time: tests keep the node's retry policy but shorten the waits, so a
 * case that retries three times costs milliseconds. Deadlines stay as shipped unless a test
 * shortens them itself (see withPolicy).
 */
Object.assign(transferPolicy, { backoffMs: [5, 10, 20] });

/** Runs `fn` with some of the transfer policy changed, then puts it back. */
export async function withPolicy<T>(changes: Partial<typeof transferPolicy>, fn: () => Promise<T>): Promise<T> {
	const saved = { ...transferPolicy };
	Object.assign(transferPolicy, changes);
	try {
		return await fn();
	} finally {
		Object.assign(transferPolicy, saved);
	}
}

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const SAMPLE_MP4 = join(FIXTURES, 'sample.mp4');

/** A key distinctive enough that finding it anywhere in output is unmistakably a leak. */
export const SECRET_KEY = 'rf_Secret_Key_9c1f7e2ab4d8';

export async function emulatorForTests(options: EmulatorOptions = {}): Promise<RoboflowEmulator> {
	return await startEmulator({ seed: 7, apiKeys: [SECRET_KEY], ...options });
}

export function credentialsFor(emulator: RoboflowEmulator, apiKey = SECRET_KEY) {
	return { roboflowApi: { apiKey, baseUrl: emulator.apiUrl } };
}

export interface StepSpec {
	name: string;
	parameters: IDataObject;
	continueOnFail?: boolean;
}

/** Source → step 1 → step 2 → …, each step a Roboflow Video node. */
export function chain(
	items: IDataObject[],
	steps: StepSpec[],
	binaryFiles: IDataObject[] = [],
): WorkflowSpec {
	const nodes: INode[] = [
		{
			id: 'source',
			name: 'Source',
			type: SOURCE_NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(items), binaryFiles: JSON.stringify(binaryFiles) },
		},
	];
	const connections: WorkflowSpec['connections'] = {};
	let previous = 'Source';
	steps.forEach((step, i) => {
		nodes.push({
			id: `step-${i}`,
			name: step.name,
			type: ROBOFLOW_NODE_TYPE,
			typeVersion: 1,
			position: [200 * (i + 1), 0],
			parameters: step.parameters as INode['parameters'],
			credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } },
			...(step.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		});
		connections[previous] = { main: [[{ node: step.name, type: 'main', index: 0 }]] };
		previous = step.name;
	});
	return { nodes, connections };
}

export function model(id: string, inferenceType = 'object-detection', options: IDataObject = {}): IDataObject {
	return { model: { __rl: true, mode: 'id', value: id }, inferenceType, options };
}

/** Everything a run could show a person or store: outputs, errors, the whole saved execution. */
export function everythingVisible(result: RunResult): string {
	return `${result.saved}\n${JSON.stringify(result.error ?? null)}\n${String(result.error?.message ?? '')}\n${String(result.error?.description ?? '')}`;
}

export function jsonOf(result: RunResult, node: string, output = 0): IDataObject[] {
	return (result.output(node)[output] ?? []).map((item) => item.json);
}

/** Uploads the sample the way a user's HTTP client would, for tests that need a real video at the emulator. */
export async function uploadSample(emulator: RoboflowEmulator, fileName = 'sample.mp4'): Promise<string> {
	const { readFileSync } = await import('fs');
	const signed = await fetch(`${emulator.apiUrl}/video_upload_signed_url/?api_key=${emulator.apiKey}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ file_name: fileName }),
	});
	const { signed_url: url } = (await signed.json()) as { signed_url: string };
	const put = await fetch(url, {
		method: 'PUT',
		headers: { 'content-type': 'application/octet-stream' },
		body: readFileSync(SAMPLE_MP4),
	});
	if (!put.ok) throw new Error(`upload failed: ${put.status}`);
	return url;
}

/** Starts a job directly at the emulator (not through the node) and returns its id. */
export async function startJobDirectly(emulator: RoboflowEmulator, inputUrl: string, models: IDataObject[], inferFps = 6): Promise<string> {
	const response = await fetch(`${emulator.apiUrl}/videoinfer/?api_key=${emulator.apiKey}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ input_url: inputUrl, infer_fps: inferFps, models }),
	});
	const body = (await response.json()) as { job_id: string };
	if (!body.job_id) throw new Error(`could not start job: ${JSON.stringify(body)}`);
	return body.job_id;
}

export const RPS_MODEL = { model_id: 'rock-paper-scissors-presentation', model_version: '4', inference_type: 'object-detection' };

/** One model of every inference type Roboflow's video API runs (the emulator writes each kind's results). */
export const ALL_KINDS = [
	RPS_MODEL,
	{ model_id: 'pothole-segmentation', model_version: '2', inference_type: 'instance-segmentation' },
	{ model_id: 'hand-keypoints', model_version: '1', inference_type: 'keypoint-detection' },
	{ model_id: 'weather-classification', model_version: '3', inference_type: 'classification' },
	{ model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
	{ model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
];

/** Wait For Result's settings from the node parameters a user would set (defaults as in the UI). */
export function waitSettings(parameters: IDataObject = {}): WaitSettings {
	const options = (parameters.resultOptions ?? {}) as IDataObject;
	return {
		intervalMs: Number(parameters.pollInterval ?? 60) * 1000,
		maxWaitMs: Number(parameters.maxWaitTime ?? 360) * 60_000,
		callerNodeName: String(parameters.callerNodeName ?? 'Wait For Result'),
		framesInOneItem: (parameters.waitMode ?? 'park') === 'park',
		results: {
			output: (parameters.output ?? 'summary') as WaitSettings['results']['output'],
			binaryPropertyName: String(parameters.outputBinaryField ?? 'data'),
			filters: {
				minConfidence: Number(options.minConfidence ?? 0),
				classes: String(options.classes ?? '')
					.split(',')
					.map((c) => c.trim())
					.filter(Boolean),
			},
			onlyFramesWithPredictions: options.onlyFramesWithPredictions !== false,
			selection: {
				fromSeconds: options.fromSeconds as number | undefined,
				toSeconds: options.toSeconds as number | undefined,
				everyNthFrame: Number(options.everyNthFrame ?? 1),
			},
			analytics: options.trackObjects === false && (parameters.output ?? 'summary') === 'summary' ? undefined : {
				maxHiddenSeconds: Number(options.maxHiddenSeconds ?? DEFAULT_ANALYTICS.maxHiddenSeconds),
				mergeGapsShorterThan: Number(options.mergeGapsShorterThan ?? DEFAULT_ANALYTICS.mergeGapsShorterThan),
				minimumDuration: Number(options.minimumDuration ?? DEFAULT_ANALYTICS.minimumDuration),
			},
			attachTimeline: (parameters.output ?? 'summary') === 'summary' && options.attachTimeline === true,
		},
	};
}
