import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { buildModelSpecs, INFERENCE_TYPE_OPTIONS, type ModelEntry, type ModelSpec } from '../helpers/models';
import { MAX_INFER_FPS, requireHttpUrl, requireInferFps } from '../helpers/validation';
import { roboflowApiRequest, unreadableAnswer } from '../transport';
import { describeUrl } from '../transport/redact';

const properties: INodeProperties[] = [
	{
		displayName: 'Video URL',
		name: 'videoUrl',
		type: 'string',
		default: '={{ $json.input_url }}',
		required: true,
		placeholder: 'e.g. https://example.com/clip.mp4',
		description:
			'The video to run the models on: the input_url from Upload Video, or any public http(s) URL of an mp4, avi, mkv or webm file',
	},
	{
		displayName: 'Inference FPS',
		name: 'inferFps',
		type: 'number',
		default: 5,
		required: true,
		typeOptions: { minValue: 1, maxValue: MAX_INFER_FPS, numberPrecision: 0 },
		description:
			'How many frames per second of video the models run on. At most the video\'s own frame rate; ideally that frame rate is a whole multiple of it. Cost grows with it.',
	},
	{
		displayName: 'Models',
		name: 'models',
		type: 'fixedCollection',
		placeholder: 'Add Model',
		typeOptions: { multipleValues: true },
		default: { model: [{ inferenceType: 'object-detection' }] },
		options: [
			{
				displayName: 'Model',
				name: 'model',
				values: [
					{
						displayName: 'Model',
						name: 'model',
						type: 'resourceLocator',
						default: { mode: 'list', value: '' },
						required: true,
						description: 'A trained model version of your workspace, as project/version',
						modes: [
							{
								displayName: 'From List',
								name: 'list',
								type: 'list',
								typeOptions: { searchListMethod: 'searchModels', searchable: true },
							},
							{
								displayName: 'By ID',
								name: 'id',
								type: 'string',
								placeholder: 'e.g. rock-paper-scissors-presentation/4',
								validation: [
									{
										type: 'regex',
										properties: {
											regex: '^(?:[^/\\s]+/)?[A-Za-z0-9][A-Za-z0-9_-]*/\\d+$',
											errorMessage: 'Use the form project/version, e.g. rock-paper-scissors-presentation/4',
										},
									},
								],
							},
						],
					},
					{
						displayName: 'Inference Type',
						name: 'inferenceType',
						type: 'options',
						options: INFERENCE_TYPE_OPTIONS,
						default: 'object-detection',
						description: 'What kind of model this is; it must match the model\'s project type',
					},
					{
						displayName: 'Model Options',
						name: 'options',
						type: 'collection',
						placeholder: 'Add option',
						default: {},
						options: [
							{
								displayName: 'Confidence',
								name: 'confidence',
								type: 'number',
								default: 0.4,
								typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
								description: 'Drop predictions Roboflow is less sure of than this (0 to 1)',
							},
							{
								displayName: 'Inference Parameters',
								name: 'inferenceParameters',
								type: 'json',
								default: '{}',
								description:
									'Other parameters for this model, sent as inference_params, e.g. {"overlap": 0.3, "max_detections": 50}',
							},
						],
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Extra Models',
				name: 'extraModels',
				type: 'multiOptions',
				default: [],
				options: [
					{
						name: 'CLIP Embeddings',
						value: 'clip',
						description: 'A 512-number CLIP embedding per frame, for search and similarity',
					},
					{
						name: 'Gaze Detection',
						value: 'gaze',
						description: 'Faces with the direction each one looks (yaw and pitch)',
					},
				],
				description: 'Roboflow\'s built-in models to run alongside yours',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['startInference'] } }, properties);

interface Plan {
	inputUrl: string;
	inferFps: number;
	models: ModelSpec[];
}

export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<Plan> {
	const inputUrl = requireHttpUrl(this, this.getNodeParameter('videoUrl', itemIndex), itemIndex, 'Video URL');
	const inferFps = requireInferFps(this, this.getNodeParameter('inferFps', itemIndex), itemIndex);
	const entries = this.getNodeParameter('models.model', itemIndex, []) as ModelEntry[];
	const options = this.getNodeParameter('options', itemIndex, {}) as { extraModels?: string[] };
	const models = buildModelSpecs(this, itemIndex, Array.isArray(entries) ? entries : [], options.extraModels ?? []);
	return { inputUrl, inferFps, models };
}

export async function execute(this: IExecuteFunctions, { inputUrl, inferFps, models }: Plan, itemIndex: number): Promise<INodeExecutionData[]> {
	const action = 'starting the inference job';
	const response = await roboflowApiRequest.call(this, {
		method: 'POST',
		endpoint: '/videoinfer/',
		body: { input_url: inputUrl, infer_fps: inferFps, models: models as unknown as [] },
		step: 'startJob',
		action,
		itemIndex,
		// Every job is billed: never sent twice unless the first surely did not arrive.
		idempotent: false,
	});
	const jobId = response.job_id;
	if (typeof jobId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(jobId)) {
		const problem = jobId === undefined ? 'it holds no job ID' : 'its job ID is not one';
		throw unreadableAnswer(this.getNode(), { step: 'startJob', action, itemIndex }, problem, response);
	}
	return [
		{
			json: {
				job_id: jobId,
				message: typeof response.message === 'string' ? response.message : null,
				// The signed part of an upload URL is a credential: show only where the video is.
				video: describeUrl(inputUrl),
				infer_fps: inferFps,
				models: models.map((m) => ({ ...m })),
				started_at: new Date().toISOString(),
			},
		},
	];
}
