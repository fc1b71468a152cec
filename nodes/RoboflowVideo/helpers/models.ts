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

/** The Inference Type that reads the type from the model's Roboflow project (the default). */
export const FROM_PROJECT = 'auto';

export type InferenceTypeChoice = InferenceType | typeof FROM_PROJECT;

/** What the Inference Type field offers: from the model's project (first, the default), or a type set by hand. */
export const INFERENCE_TYPE_CHOICES: INodePropertyOptions[] = [
	{
		name: 'Automatic (From the Model\'s Project)',
		value: FROM_PROJECT,
		description: 'The type of the model\'s Roboflow project, looked up before the job starts',
	},
	...INFERENCE_TYPE_OPTIONS,
];

const INFERENCE_TYPES = new Set(INFERENCE_TYPE_OPTIONS.map((o) => o.value as string));

/** "instance segmentation": a type in words, for messages. */
export function typeWords(type: string): string {
	if (type === 'clip-embed-image') return 'CLIP embedding';
	return type.replace(/-/g, ' ');
}

/** "Instance Segmentation": a type as the Inference Type field shows it. */
function typeOptionName(type: InferenceType): string {
	return String(INFERENCE_TYPE_OPTIONS.find((o) => o.value === type)?.name ?? type);
}

/**
 * Roboflow's project types (as its API names them; the SDK reads single- and multi-label
 * classification projects as "classification") and the video inference type each runs as.
 */
const PROJECT_TYPES: Record<string, InferenceType> = {
	'object-detection': 'object-detection',
	'instance-segmentation': 'instance-segmentation',
	'keypoint-detection': 'keypoint-detection',
	classification: 'classification',
	'single-label-classification': 'classification',
	'multi-label-classification': 'classification',
};

/** Project types Roboflow has that its video inference cannot run. */
const NOT_ON_VIDEO: Record<string, string> = {
	'semantic-segmentation': 'semantic segmentation',
	'text-image-pairs': 'multimodal (text-image pairs)',
};

/** What a Roboflow project type means for video: the inference type, or that it cannot run, or unknown. */
export function projectTypeOnVideo(projectType: unknown): { type: InferenceType } | { notOnVideo: string } | { unknown: string } {
	const raw = typeof projectType === 'string' ? projectType.trim().toLowerCase() : '';
	if (PROJECT_TYPES[raw]) return { type: PROJECT_TYPES[raw] };
	if (NOT_ON_VIDEO[raw]) return { notOnVideo: NOT_ON_VIDEO[raw] };
	return { unknown: raw };
}

/** The SDK's built-in extra models; they need no project of the user's. */
export const EXTRA_MODELS: Record<'clip' | 'gaze', ModelSpec> = {
	clip: { model_id: 'clip', model_version: '1', inference_type: 'clip-embed-image' },
	gaze: { model_id: 'gaze', model_version: '1', inference_type: 'gaze-detection' },
};

function builtinModel(modelId: string): ModelSpec | undefined {
	return Object.prototype.hasOwnProperty.call(EXTRA_MODELS, modelId) ? EXTRA_MODELS[modelId as keyof typeof EXTRA_MODELS] : undefined;
}

export interface ModelEntry {
	model?: string | { __rl?: boolean; value?: unknown; mode?: string };
	inferenceType?: string;
	options?: { confidence?: number; inferenceParameters?: string | IDataObject };
}

/** A model as the user named it: Roboflow's model_id (the project) and version, and the workspace when given. */
export interface ModelReference {
	workspace?: string;
	modelId: string;
	version: string;
}

const SLUG = /^[a-z0-9][a-z0-9_-]*$/i;
const VERSION = /^\d{1,9}$/;
/** Roboflow's hosted model endpoints: their paths are project/version, with no workspace. */
const ENDPOINT_HOST = /^(?:detect|outline|classify|segment|serverless|infer)\.roboflow\.com$/i;
/** The word between project and version in Universe URLs (…/my-project/model/4). */
const PAGE_WORD = /^(?:model|models|dataset)$/i;

function reference(workspace: string | undefined, project: string | undefined, version: string | undefined): ModelReference | undefined {
	if (!project || !version || !SLUG.test(project) || !VERSION.test(version)) return undefined;
	if (workspace !== undefined && !SLUG.test(workspace)) return undefined;
	return { ...(workspace ? { workspace } : {}), modelId: project, version: String(Number(version)) };
}

/** project/version, workspace/project/version, or workspace/project/model/version (a URL's path). */
function fromPath(parts: string[]): ModelReference | undefined {
	if (parts.length === 2) return reference(undefined, parts[0], parts[1]);
	if (parts.length === 3) return reference(parts[0], parts[1], parts[2]);
	if (parts.length === 4 && PAGE_WORD.test(parts[2])) return reference(parts[0], parts[1], parts[3]);
	return undefined;
}

function fromUrl(text: string): ModelReference | undefined {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return undefined;
	}
	let parts: string[];
	try {
		parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
	} catch {
		return undefined;
	}
	const host = url.hostname.toLowerCase();
	if (ENDPOINT_HOST.test(host)) return reference(undefined, parts[0], parts[1]);
	if (host === 'app.roboflow.com' || host === 'universe.roboflow.com') {
		// app.roboflow.com/<workspace>/<project>/<version>[/…], universe.roboflow.com/<workspace>/<project>/model/<version>[/…]
		const [workspace, project, third, fourth] = parts;
		return reference(workspace, project, PAGE_WORD.test(third ?? '') ? fourth : third);
	}
	// Another host (a proxy's copy of a model page): its path as a model ID.
	return fromPath(parts);
}

/**
 * Reads what the Model field holds: "project/version", a version ID "workspace/project/version",
 * or the URL of a model version (Roboflow's app, Universe, or a hosted model endpoint). Returns
 * Roboflow's model_id and model_version (a string, as the SDK sends it) and the workspace when
 * the text names one.
 */
export function parseModelReference(raw: unknown): ModelReference | undefined {
	const value = raw && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (/^https?:\/\//i.test(text)) return fromUrl(text);
	return fromPath(text.replace(/\/+$/, '').split('/'));
}

/**
 * A model of a job as the user set it, before its type is settled: a model of the user's needs
 * its Roboflow project looked up (for its type, or to check the type set by hand).
 */
export interface PlannedModel {
	/** Its place in the Models list, from 1; undefined for Options → Extra Models. */
	position?: number;
	reference: ModelReference;
	choice: InferenceTypeChoice;
	inferenceParams?: IDataObject;
}

/** Whether the model's project must be looked up at Roboflow before the job starts (not for CLIP and gaze). */
export function needsProjectLookup(model: PlannedModel): boolean {
	return model.position !== undefined && !builtinModel(model.reference.modelId);
}

export function buildModelSpecs(
	ctx: IExecuteFunctions,
	itemIndex: number,
	entries: ModelEntry[],
	extraModels: string[],
): PlannedModel[] {
	const planned: PlannedModel[] = entries.map((entry, n) => buildOne(ctx, itemIndex, entry, n + 1));
	for (const extra of extraModels) {
		const spec = builtinModel(extra);
		if (!spec) {
			fail(ctx, itemIndex, `unknown extra model "${extra}"`, 'Extra Models can be CLIP Embeddings and Gaze Detection.');
		}
		planned.push({ reference: { modelId: spec.model_id, version: spec.model_version }, choice: spec.inference_type });
	}
	if (planned.length === 0) {
		fail(
			ctx,
			itemIndex,
			'no model to run',
			'Add at least one model under Models (for example rock-paper-scissors-presentation/4), or pick an extra model under Options.',
		);
	}
	const seen = new Set<string>();
	for (const { reference: ref } of planned) {
		// The results file has one list per model_id: two versions of one model would collide.
		if (seen.has(ref.modelId)) {
			fail(
				ctx,
				itemIndex,
				`model "${ref.modelId}" is listed twice`,
				'Roboflow names each model\'s results by its model ID, so each model may appear once per job. Remove the duplicate, or start a second job for the other version.',
			);
		}
		seen.add(ref.modelId);
	}
	return planned;
}

function buildOne(ctx: IExecuteFunctions, itemIndex: number, entry: ModelEntry, position: number): PlannedModel {
	const ref = parseModelReference(entry.model);
	if (!ref) {
		const shown = typeof entry.model === 'object' ? entry.model?.value : entry.model;
		const url = typeof shown === 'string' && /^https?:\/\//i.test(shown.trim());
		fail(
			ctx,
			itemIndex,
			`model ${position} "${String(shown ?? '')}" is not a Roboflow model ${url ? 'URL' : 'ID'}`,
			url
				? 'Use the URL of a model version, e.g. https://app.roboflow.com/my-workspace/my-project/4 or https://universe.roboflow.com/my-workspace/my-project/model/4, or pick the model from the list.'
				: 'Pick the model from the list, or type it as project/version, for example rock-paper-scissors-presentation/4.',
		);
	}
	const choice = entry.inferenceType ?? FROM_PROJECT;
	if (choice !== FROM_PROJECT && !INFERENCE_TYPES.has(choice)) {
		fail(
			ctx,
			itemIndex,
			`model ${position} has unsupported inference type "${choice}"`,
			'Video inference supports object detection, classification, instance segmentation, keypoint detection, CLIP embeddings and gaze detection (not semantic segmentation). Leave Inference Type on Automatic to take the model\'s own.',
		);
	}
	const builtin = builtinModel(ref.modelId);
	if (builtin && choice !== FROM_PROJECT && choice !== builtin.inference_type) {
		fail(
			ctx,
			itemIndex,
			`model ${position} "${ref.modelId}/${ref.version}" is Roboflow's built-in ${typeWords(builtin.inference_type)} model, not ${typeWords(choice)}`,
			`Set its Inference Type to Automatic or ${typeOptionName(builtin.inference_type)}, or add it under Options → Extra Models instead.`,
		);
	}
	const planned: PlannedModel = {
		position,
		reference: ref,
		choice: builtin ? builtin.inference_type : (choice as InferenceTypeChoice),
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
	if (Object.keys(params).length > 0) planned.inferenceParams = params;
	return planned;
}

/** What Roboflow said of a model's project: its type, or that this API key cannot read it. */
export type ProjectFacts = { listed: true; type: unknown } | { listed: false };

export interface ModelProblem {
	message: string;
	description: string;
}

function label(model: PlannedModel): string {
	const { workspace, modelId, version } = model.reference;
	const id = `${workspace ? `${workspace}/` : ''}${modelId}/${version}`;
	return model.position === undefined ? `model "${id}"` : `model ${model.position} "${id}"`;
}

/** "an instance segmentation model", "a keypoint detection model". */
function aModel(words: string): string {
	return `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words} model`;
}

function specOf(model: PlannedModel, type: InferenceType): ModelSpec {
	const spec: ModelSpec = { model_id: model.reference.modelId, model_version: model.reference.version, inference_type: type };
	if (model.inferenceParams) spec.inference_params = { ...model.inferenceParams };
	return spec;
}

/**
 * Settles a model's inference type, before any job starts: from its Roboflow project when the
 * Inference Type is Automatic; a type set by hand must match the project's (else Roboflow would
 * start, and bill, a job that then fails), and is used as it is for a project this API key
 * cannot read (e.g. another workspace's model). `project` is undefined for models that need no
 * look-up (CLIP, gaze).
 */
export function resolveModel(model: PlannedModel, project: ProjectFacts | undefined): { spec: ModelSpec } | { problem: ModelProblem } {
	const chosen = model.choice === FROM_PROJECT ? undefined : model.choice;
	if (!project) {
		return chosen ? { spec: specOf(model, chosen) } : { problem: { message: `${label(model)} has no inference type`, description: 'Set its Inference Type.' } };
	}
	const setByHand = (type: InferenceType) => `Set Inference Type to Automatic (From the Model's Project) or to ${typeOptionName(type)}.`;
	if (!project.listed) {
		if (chosen) return { spec: specOf(model, chosen) };
		const { workspace, modelId } = model.reference;
		return {
			problem: {
				message: `${label(model)}: Roboflow does not show project "${modelId}" to this API key${workspace ? ` in workspace "${workspace}"` : ''}, so its type cannot be read`,
				description: workspace
					? 'Check the model\'s URL or ID. For a model this key cannot read, set its Inference Type to the model\'s type (object detection, instance segmentation, keypoint detection or classification).'
					: 'If it is a model of another workspace (e.g. from Universe), pick it By URL with its Universe URL, or set its Inference Type to the model\'s type; otherwise check the model ID (it is project/version, as on the model\'s page in Roboflow).',
			},
		};
	}
	const onVideo = projectTypeOnVideo(project.type);
	if ('notOnVideo' in onVideo) {
		return {
			problem: {
				message: `${label(model)} is ${aModel(onVideo.notOnVideo)}, which Roboflow's video inference cannot run`,
				description: 'Video inference runs object detection, instance segmentation, keypoint detection and classification models (and the built-in CLIP and gaze models): pick a model of one of those types.',
			},
		};
	}
	if ('unknown' in onVideo) {
		if (chosen) return { spec: specOf(model, chosen) };
		return {
			problem: {
				message: `${label(model)}: its Roboflow project has ${onVideo.unknown ? `type "${onVideo.unknown}", which the node does not know` : 'no type'}`,
				description: 'Set its Inference Type to the type the model runs as (object detection, instance segmentation, keypoint detection or classification).',
			},
		};
	}
	if (chosen && chosen !== onVideo.type) {
		return {
			problem: {
				message: `${label(model)} is ${aModel(typeWords(onVideo.type))} (its Roboflow project's type), but its Inference Type is set to ${typeWords(chosen)}`,
				description: `Roboflow would start the job (which is billed) and then fail it. ${setByHand(onVideo.type)}`,
			},
		};
	}
	return { spec: specOf(model, onVideo.type) };
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
