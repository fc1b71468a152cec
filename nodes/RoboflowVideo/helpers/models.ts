import type { IDataObject, IExecuteFunctions, INodePropertyOptions } from 'n8n-workflow';

import { fail } from './validation';

/** The body Roboflow's /videoinfer/ endpoint takes per model, exactly as the official SDK sends it. */
export interface ModelSpec {
	model_id: string;
	model_version: string;
	inference_type: InferenceType;
	inference_params?: IDataObject;
}

export type InferenceType =
	| 'object-detection'
	| 'classification'
	| 'instance-segmentation'
	| 'keypoint-detection'
	| 'clip-embed-image'
	| 'gaze-detection';

export const INFERENCE_TYPE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Classification', value: 'classification' },
	{ name: 'CLIP Image Embedding', value: 'clip-embed-image' },
	{ name: 'Gaze Detection', value: 'gaze-detection' },
	{ name: 'Instance Segmentation', value: 'instance-segmentation' },
	{ name: 'Keypoint Detection', value: 'keypoint-detection' },
	{ name: 'Object Detection', value: 'object-detection' },
];

const INFERENCE_TYPES = new Set(INFERENCE_TYPE_OPTIONS.map((o) => o.value as string));

/** The SDK's built-in extra models; they need no project of the user's. */
export const EXTRA_MODELS: Record<'clip' | 'gaze', ModelSpec> = {
	clip: { model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
	gaze: { model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
};

export interface ModelEntry {
	model?: string | { __rl?: boolean; value?: unknown; mode?: string };
	inferenceType?: string;
	options?: { confidence?: number; inferenceParameters?: string | IDataObject };
}

/**
 * Accepts "project/version", a pasted version ID "workspace/project/version", or a URL of a
 * model page; returns Roboflow's model_id and model_version (a string, as the SDK sends it).
 */
export function parseModelReference(raw: unknown): { modelId: string; version: string } | undefined {
	const value =
		raw && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	let text = String(value).trim().replace(/^https?:\/\/[^/]+\//, '').replace(/\/+$/, '');
	const parts = text.split('/').filter(Boolean);
	if (parts.length === 3) text = `${parts[1]}/${parts[2]}`;
	const match = /^([a-z0-9][a-z0-9_-]*)\/(\d+)$/i.exec(text);
	if (!match) return undefined;
	return { modelId: match[1], version: String(Number(match[2])) };
}

export function buildModelSpecs(
	ctx: IExecuteFunctions,
	itemIndex: number,
	entries: ModelEntry[],
	extraModels: string[],
): ModelSpec[] {
	const specs: ModelSpec[] = entries.map((entry, n) => buildOne(ctx, itemIndex, entry, n + 1));
	for (const extra of extraModels) {
		const spec = EXTRA_MODELS[extra as keyof typeof EXTRA_MODELS];
		if (!spec) {
			fail(ctx, itemIndex, `unknown extra model "${extra}"`, 'Extra Models can be CLIP Embeddings and Gaze Detection.');
		}
		specs.push({ ...spec });
	}
	if (specs.length === 0) {
		fail(
			ctx,
			itemIndex,
			'no model to run',
			'Add at least one model under Models (for example rock-paper-scissors-presentation/4), or pick an extra model under Options.',
		);
	}
	const seen = new Set<string>();
	for (const spec of specs) {
		// The results file has one list per model_id: two versions of one model would collide.
		if (seen.has(spec.model_id)) {
			fail(
				ctx,
				itemIndex,
				`model "${spec.model_id}" is listed twice`,
				'Roboflow names each model\'s results by its model ID, so each model may appear once per job. Remove the duplicate, or start a second job for the other version.',
			);
		}
		seen.add(spec.model_id);
	}
	return specs;
}

function buildOne(ctx: IExecuteFunctions, itemIndex: number, entry: ModelEntry, position: number): ModelSpec {
	const ref = parseModelReference(entry.model);
	if (!ref) {
		const shown = typeof entry.model === 'object' ? entry.model?.value : entry.model;
		fail(
			ctx,
			itemIndex,
			`model ${position} "${String(shown ?? '')}" is not a Roboflow model ID`,
			'Pick the model from the list, or type it as project/version, for example rock-paper-scissors-presentation/4.',
		);
	}
	const inferenceType = entry.inferenceType ?? 'object-detection';
	if (!INFERENCE_TYPES.has(inferenceType)) {
		fail(
			ctx,
			itemIndex,
			`model ${position} has unsupported inference type "${inferenceType}"`,
			'Video inference supports object detection, classification, instance segmentation, keypoint detection, CLIP embeddings and gaze detection (not semantic segmentation).',
		);
	}
	const spec: ModelSpec = {
		model_id: ref.modelId,
		model_version: ref.version,
		inference_type: inferenceType as InferenceType,
	};
	const params = parseInferenceParameters(ctx, itemIndex, entry.options?.inferenceParameters, position);
	const confidence = entry.options?.confidence;
	if (confidence !== undefined && confidence !== null) {
		if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
			fail(
				ctx,
				itemIndex,
				`model ${position} confidence must be between 0 and 1, not ${String(confidence)}`,
				'Confidence is a fraction: 0.4 keeps predictions Roboflow is at least 40% sure of.',
			);
		}
		params.confidence = confidence;
	}
	if (Object.keys(params).length > 0) spec.inference_params = params;
	return spec;
}

function parseInferenceParameters(
	ctx: IExecuteFunctions,
	itemIndex: number,
	raw: string | IDataObject | undefined,
	position: number,
): IDataObject {
	if (raw === undefined || raw === null || raw === '') return {};
	let value: unknown = raw;
	if (typeof raw === 'string') {
		try {
			value = JSON.parse(raw);
		} catch {
			fail(
				ctx,
				itemIndex,
				`model ${position} inference parameters are not valid JSON`,
				'Write them as a JSON object, for example {"overlap": 0.3, "max_detections": 50}.',
			);
		}
	}
	if (!value || typeof value !== 'object' || Array.isArray(value)) {
		fail(ctx, itemIndex, `model ${position} inference parameters must be a JSON object`, 'For example {"overlap": 0.3}.');
	}
	return { ...(value as IDataObject) };
}
