import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import {
	buildModelSpecs,
	FROM_PROJECT,
	INFERENCE_TYPE_CHOICES,
	needsProjectLookup,
	resolveModel,
	type ModelEntry,
	type ModelSpec,
	type PlannedModel,
	type ProjectFacts,
} from '../helpers/models';
import { asNodeError } from '../helpers/errors';
import { jobStartedLogLine, startedJobsNote, type StartedJob } from '../helpers/startedJobs';
import { fail, MAX_INFER_FPS, requireHttpUrl, requireInferFps } from '../helpers/validation';
import { RoboflowRequestError, roboflowApiRequest, unreadableAnswer } from '../transport';
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
		default: { model: [{ inferenceType: FROM_PROJECT }] },
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
						description: 'A trained model version: from your workspace\'s list, by the URL of its page in Roboflow or Universe, or as project/version',
						modes: [
							{
								displayName: 'From List',
								name: 'list',
								type: 'list',
								typeOptions: { searchListMethod: 'searchModels', searchable: true },
							},
							{
								displayName: 'By URL',
								name: 'url',
								type: 'string',
								placeholder: 'e.g. https://app.roboflow.com/my-workspace/my-project/4',
								validation: [
									{
										type: 'regex',
										properties: {
											regex: '^https?://(?:app|universe)\\.roboflow\\.com/[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*/(?:(?:model|dataset)/)?\\d+(?:[/?#].*)?$',
											errorMessage:
												'Use the URL of a model version, e.g. https://app.roboflow.com/my-workspace/my-project/4 or https://universe.roboflow.com/my-workspace/my-project/model/4',
										},
									},
								],
								// The node reads the whole URL itself (workspace, project, version); this is n8n's view of it.
								extractValue: { type: 'regex', regex: '^https?://(?:app|universe)\\.roboflow\\.com/([^?#]+)' },
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
						options: INFERENCE_TYPE_CHOICES,
						default: FROM_PROJECT,
						description:
							'What kind of model this is. Automatic reads it from the model\'s Roboflow project before the job starts. A type set by hand is checked against the project, and used as it is for a model this key cannot read (e.g. another workspace\'s).',
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
								description:
									'Sent to Roboflow with the job: predictions less sure than this (0 to 1) are dropped before the results are written, so nothing later can bring them back. To try stricter thresholds on one job, keep this low and use Minimum Confidence in Wait For Result or Get Status.',
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
	models: PlannedModel[];
}

/**
 * The plans of one run of the node (keyed by its execution context, which n8n makes anew for
 * every run): the first item to execute settles the models of every item first, so that a model
 * whose type is wrong stops the node before any job starts, as bad input does.
 */
const plansOfRun = new WeakMap<object, Map<number, Plan>>();
const modelsOfRun = new WeakMap<object, Promise<Map<number, ModelSpec[] | Error>>>();

export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<Plan> {
	const inputUrl = requireHttpUrl(this, this.getNodeParameter('videoUrl', itemIndex), itemIndex, 'Video URL');
	const inferFps = requireInferFps(this, this.getNodeParameter('inferFps', itemIndex), itemIndex);
	const entries = this.getNodeParameter('models.model', itemIndex, []) as ModelEntry[];
	const options = this.getNodeParameter('options', itemIndex, {}) as { extraModels?: string[] };
	const models = buildModelSpecs(this, itemIndex, Array.isArray(entries) ? entries : [], options.extraModels ?? []);
	const plan = { inputUrl, inferFps, models };
	const plans = plansOfRun.get(this) ?? new Map<number, Plan>();
	plans.set(itemIndex, plan);
	plansOfRun.set(this, plans);
	return plan;
}

/**
 * Reads what Roboflow says of the projects of every item's models, each project once: the key's
 * workspace (GET /) when a model does not name its own, then GET /<workspace>/<project>. A
 * project this key cannot read (404, 403) is "not listed"; any other failure is an error of the
 * items that need it.
 */
async function lookUpProjects(ctx: IExecuteFunctions, plans: Map<number, Plan>): Promise<Map<string, Promise<ProjectFacts>>> {
	const facts = new Map<string, Promise<ProjectFacts>>();
	let keyWorkspace: Promise<string | undefined> | undefined;
	const cannotRead = (error: unknown) => error instanceof RoboflowRequestError && (error.statusCode === 404 || error.statusCode === 403);
	const workspaceOfKey = async (itemIndex: number): Promise<string | undefined> => {
		try {
			const root = await roboflowApiRequest.call(ctx, { method: 'GET', endpoint: '/', step: 'models', action: 'reading your workspace', itemIndex, idempotent: true });
			return typeof root.workspace === 'string' && root.workspace.trim() !== '' ? root.workspace.trim() : undefined;
		} catch (error) {
			if (cannotRead(error)) return undefined;
			throw asNodeError(ctx.getNode(), error, itemIndex);
		}
	};
	const readProject = async (model: PlannedModel, itemIndex: number): Promise<ProjectFacts> => {
		const workspace = model.reference.workspace ?? (await (keyWorkspace ??= workspaceOfKey(itemIndex)));
		if (!workspace) return { listed: false };
		try {
			const detail = await roboflowApiRequest.call(ctx, {
				method: 'GET',
				endpoint: `/${encodeURIComponent(workspace)}/${encodeURIComponent(model.reference.modelId)}`,
				step: 'models',
				action: `looking up the type of model ${model.position} (project ${model.reference.modelId})`,
				itemIndex,
				idempotent: true,
			});
			return { listed: true, type: (detail.project as IDataObject | undefined)?.type };
		} catch (error) {
			if (cannotRead(error)) return { listed: false };
			throw asNodeError(ctx.getNode(), error, itemIndex);
		}
	};
	for (const [itemIndex, plan] of [...plans].sort(([a], [b]) => a - b)) {
		for (const model of plan.models.filter(needsProjectLookup)) {
			const key = `${model.reference.workspace ?? ''}/${model.reference.modelId}`;
			if (facts.has(key)) continue;
			const pending = readProject(model, itemIndex);
			// Read by each item that needs it; settled here so that an unread failure is never "unhandled".
			pending.catch(() => undefined);
			facts.set(key, pending);
		}
	}
	return facts;
}

/** Every item's models with their types settled, or the item's error; no job is started here. */
async function settleModels(ctx: IExecuteFunctions, plans: Map<number, Plan>): Promise<Map<number, ModelSpec[] | Error>> {
	const facts = await lookUpProjects(ctx, plans);
	const outcomes = new Map<number, ModelSpec[] | Error>();
	for (const [itemIndex, plan] of plans) {
		try {
			const specs: ModelSpec[] = [];
			for (const model of plan.models) {
				const project = needsProjectLookup(model) ? await facts.get(`${model.reference.workspace ?? ''}/${model.reference.modelId}`) : undefined;
				const settled = resolveModel(model, project);
				if ('problem' in settled) fail(ctx, itemIndex, settled.problem.message, settled.problem.description);
				specs.push(settled.spec);
			}
			outcomes.set(itemIndex, specs);
		} catch (error) {
			outcomes.set(itemIndex, error as Error);
		}
	}
	return outcomes;
}

async function modelsFor(ctx: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<ModelSpec[]> {
	const plans = plansOfRun.get(ctx);
	if (!plans?.has(itemIndex)) {
		// Not prepared in this run's batch (called on its own): settle this item alone.
		const alone = (await settleModels(ctx, new Map([[itemIndex, plan]]))).get(itemIndex);
		if (alone instanceof Error) throw alone;
		return alone ?? [];
	}
	let pending = modelsOfRun.get(ctx);
	if (!pending) {
		pending = settleModels(ctx, plans);
		modelsOfRun.set(ctx, pending);
		// Without Continue On Fail, any item's problem stops the node before the first job starts.
		if (!ctx.continueOnFail()) {
			for (const outcome of (await pending).values()) if (outcome instanceof Error) throw outcome;
		}
	}
	const mine = (await pending).get(itemIndex);
	if (mine instanceof Error) throw mine;
	return mine ?? [];
}

export async function execute(this: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<INodeExecutionData[]> {
	try {
		return await startJob(this, plan, itemIndex);
	} catch (error) {
		throw namingStartedJobs(this, error, itemIndex);
	}
}

async function startJob(ctx: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<INodeExecutionData[]> {
	const { inputUrl, inferFps } = plan;
	const models = await modelsFor(ctx, plan, itemIndex);
	const action = 'starting the inference job';
	const response = await roboflowApiRequest.call(ctx, {
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
		throw unreadableAnswer(ctx.getNode(), { step: 'startJob', action, itemIndex }, problem, response);
	}
	recordStartedJob(ctx, { jobId, itemIndex }, inputUrl);
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

/** The jobs this run of the node has started so far, in order (keyed like plansOfRun). */
const jobsOfRun = new WeakMap<object, StartedJob[]>();

/**
 * Logs the job the moment Roboflow accepted it: if the process dies before n8n saves the
 * node's output (a killed worker's execution is not retried), this line is where its id is.
 */
function recordStartedJob(ctx: IExecuteFunctions, job: StartedJob, inputUrl: string): void {
	const jobs = jobsOfRun.get(ctx) ?? [];
	jobs.push(job);
	jobsOfRun.set(ctx, jobs);
	const executionId = ctx.getExecutionId();
	ctx.logger.info(jobStartedLogLine({ ...job, videoUrl: inputUrl, nodeName: ctx.getNode().name, executionId }), {
		jobId: job.jobId,
		itemIndex: job.itemIndex,
		executionId,
	});
}

/**
 * Without Continue On Fail an item's error stops the node and its output, with the job ids of
 * the items before, is thrown away: the error names those jobs. With it, their items go on.
 */
function namingStartedJobs(ctx: IExecuteFunctions, error: unknown, itemIndex: number): unknown {
	if (ctx.continueOnFail()) return error;
	const note = startedJobsNote(jobsOfRun.get(ctx) ?? []);
	if (!note) return error;
	const nodeError = asNodeError(ctx.getNode(), error, itemIndex);
	nodeError.description = nodeError.description ? `${nodeError.description}\n\n${note}` : note;
	return nodeError;
}
