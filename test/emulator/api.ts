/**
 * The emulated api.roboflow.com routes (everything but the /__emulator admin routes).
 *
 *   GET|POST /?api_key=                     which workspace the key belongs to
 *   GET /{workspace}?api_key=               workspace and its projects
 *   GET /{workspace}/{project}?api_key=     project and its versions
 *   POST /video_upload_signed_url/?api_key= {"file_name"} -> {"signed_url"}
 *   POST /videoinfer/?api_key=              {"input_url","infer_fps","models"} -> {"job_id","message"}
 *   GET  /videoinfer/?api_key=&job_id=      {"status", "progress"?, "output_signed_url"?, "message"?, "error"?}
 * Every route is accepted with and without the trailing slash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findProject, projectDetailJson, rootJson, workspaceJson } from './catalog';
import { baitSignedUrl, expandPlaceholders, type PlaceholderValues } from './fault-placeholders';
import type { EmulatorEndpoint, FaultBook } from './faults';
import { AUTH_ERROR, BodyTooLargeError, absoluteRequestUrl, readBody, sendJson, sendRoboflowError } from './http-util';
import type { Job, JobBook, JobRequest } from './jobs';
import { extensionOf, SUPPORTED_VIDEO_EXTENSIONS } from './media';
import { createRng } from './prng';
import type { UrlSigner } from './signing';
import { INPUT_BUCKET, OUTPUT_BUCKET, type ObjectStore } from './storage';

export interface ApiContext {
	apiKeys: () => string[];
	workspace: string;
	seed: () => number;
	pollWindowMs: () => number;
	uploadUrlTtlSeconds: () => number;
	outputUrlTtlSeconds: () => number;
	/** A file every finished job's results link serves instead of its made results (see EmulatorOptions.resultsFile). */
	resultsFile: () => string | null;
	/** Both set once the servers listen. */
	apiUrl: string;
	storageUrl: string;
	signer: UrlSigner;
	store: ObjectStore;
	jobs: JobBook;
	faults: FaultBook;
}

/** What the router learned before answering, for fault matching and the request record. */
export interface ApiRoute {
	endpoint: EmulatorEndpoint;
	jobId?: string;
	inputUrl?: string;
	body?: unknown;
	/** Set when the request body could not be read or parsed. */
	bodyError?: string;
}

const INVALID_REQUEST = 'ValidationError';
const NOT_FOUND = 'GraphMethodException';

/** Works out which endpoint a request is for and reads its JSON body, before faults and auth. */
export async function routeApiRequest(ctx: ApiContext, req: IncomingMessage, url: URL): Promise<ApiRoute> {
	const method = (req.method ?? 'GET').toUpperCase();
	const segments = url.pathname.split('/').filter(Boolean);
	const route: ApiRoute = { endpoint: 'unknown' };
	if (segments.length === 0) route.endpoint = 'root';
	else if (segments.length === 1 && segments[0] === 'video_upload_signed_url') route.endpoint = 'signedUrl';
	else if (segments.length === 1 && segments[0] === 'videoinfer') route.endpoint = method === 'GET' ? 'jobStatus' : 'createJob';
	else if (segments.length === 1) route.endpoint = 'workspace';
	else if (segments.length === 2) route.endpoint = 'project';

	if (method === 'POST' || method === 'PUT') {
		try {
			const text = await readBody(req);
			route.body = text.length ? JSON.parse(text) : undefined;
		} catch (error) {
			route.bodyError = error instanceof BodyTooLargeError ? error.message : 'The request body is not valid JSON.';
		}
	} else {
		req.resume();
	}
	if (route.endpoint === 'jobStatus') {
		route.jobId = url.searchParams.get('job_id') ?? undefined;
		const job = route.jobId ? ctx.jobs.get(route.jobId) : undefined;
		route.inputUrl = job?.request.input_url;
	}
	if (route.endpoint === 'createJob' && isObject(route.body) && typeof route.body.input_url === 'string') {
		route.inputUrl = route.body.input_url;
	}
	return route;
}

/** Answers an API request; returns the job id it concerned, if any. */
export async function answerApiRequest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL, route: ApiRoute): Promise<string | undefined> {
	const method = (req.method ?? 'GET').toUpperCase();
	const apiKey = url.searchParams.get('api_key');
	if (!apiKey || !ctx.apiKeys().includes(apiKey)) {
		sendRoboflowError(res, 401, AUTH_ERROR.type, AUTH_ERROR.message, AUTH_ERROR.hint);
		return route.jobId;
	}
	const allow = (...methods: string[]): boolean => {
		if (methods.includes(method)) return true;
		unsupported(res, method, url.pathname);
		return false;
	};

	switch (route.endpoint) {
		case 'root':
			// The SDK validates keys with POST /, other clients use GET /.
			if (allow('GET', 'POST')) sendJson(res, 200, rootJson(ctx.workspace));
			return undefined;
		case 'workspace': {
			if (!allow('GET')) return undefined;
			const [workspace] = url.pathname.split('/').filter(Boolean);
			if (workspace !== ctx.workspace) return notFound(res, `Workspace "${workspace}" does not exist or this API key cannot access it.`);
			sendJson(res, 200, workspaceJson(ctx.workspace));
			return undefined;
		}
		case 'project': {
			if (!allow('GET')) return undefined;
			const [workspace, slug] = url.pathname.split('/').filter(Boolean);
			const project = workspace === ctx.workspace ? findProject(slug) : undefined;
			if (!project) return notFound(res, `Project "${workspace}/${slug}" does not exist or this API key cannot access it.`);
			sendJson(res, 200, projectDetailJson(ctx.workspace, project));
			return undefined;
		}
		case 'signedUrl':
			if (allow('POST')) createSignedUrl(ctx, res, route, apiKey);
			return undefined;
		case 'createJob':
			if (!allow('POST')) return undefined;
			return createJob(ctx, res, route, { apiKey, requestUrl: absoluteRequestUrl(req, ctx.apiUrl) });
		case 'jobStatus':
			return jobStatus(ctx, res, route.jobId);
		default:
			unsupported(res, method, url.pathname);
			return undefined;
	}
}

function unsupported(res: ServerResponse, method: string, pathname: string): void {
	sendRoboflowError(
		res,
		404,
		NOT_FOUND,
		`Unsupported request. \`${method} ${pathname}\` does not exist or cannot be loaded due to missing permissions.`,
		'You can see your active workspace by issuing a GET request to `/` with your `api_key`.',
	);
}

function notFound(res: ServerResponse, message: string): undefined {
	sendRoboflowError(res, 404, NOT_FOUND, message, 'You can see your active workspace by issuing a GET request to `/` with your `api_key`.');
	return undefined;
}

function badRequest(res: ServerResponse, message: string, hint: string): void {
	sendRoboflowError(res, 400, INVALID_REQUEST, message, hint);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The storage "folder" for a key's uploads: like a user id on GCS, stable per key, so equal file names overwrite. */
export function uploadFolderFor(seed: number, apiKey: string): string {
	const rng = createRng(seed, 'upload-folder', apiKey);
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	return Array.from({ length: 28 }, () => rng.pick([...alphabet])).join('');
}

function createSignedUrl(ctx: ApiContext, res: ServerResponse, route: ApiRoute, apiKey: string): void {
	const hint = 'Send a JSON body like {"file_name": "my_video_file.mp4"}.';
	if (route.bodyError) return badRequest(res, route.bodyError, hint);
	const fileName = isObject(route.body) ? route.body.file_name : undefined;
	if (typeof fileName !== 'string' || fileName.trim() === '') return badRequest(res, 'file_name is required and must be a non-empty string.', hint);
	const baseName = fileName.split(/[\\/]/).pop()!;
	if (!SUPPORTED_VIDEO_EXTENSIONS.includes(extensionOf(baseName))) {
		return badRequest(res, `Unsupported video file type "${baseName}". Supported formats: mp4, avi, mkv, webm.`, hint);
	}
	const objectPath = `/${INPUT_BUCKET}/${uploadFolderFor(ctx.seed(), apiKey)}/${encodeURIComponent(baseName)}`;
	const signedUrl = ctx.signer.sign(ctx.storageUrl, 'PUT', objectPath, ctx.uploadUrlTtlSeconds(), Date.now());
	sendJson(res, 200, { signed_url: signedUrl });
}

/** Structural validation only; semantic problems (unknown model, fps, video) fail the job later. */
function validateJobRequest(body: unknown): string | undefined {
	if (!isObject(body)) return 'The request body must be a JSON object with input_url, infer_fps and models.';
	if (typeof body.input_url !== 'string' || body.input_url === '') return 'input_url is required and must be a string.';
	let url: URL;
	try {
		url = new URL(body.input_url);
	} catch {
		return 'input_url must be an absolute http(s) URL.';
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'input_url must be an absolute http(s) URL.';
	if (typeof body.infer_fps !== 'number' || !Number.isFinite(body.infer_fps)) return 'infer_fps is required and must be a number.';
	if (!Array.isArray(body.models) || body.models.length === 0) return 'models is required and must be a non-empty array.';
	for (const [i, model] of body.models.entries()) {
		if (!isObject(model)) return `models[${i}] must be an object.`;
		if (typeof model.model_id !== 'string' || model.model_id === '') return `models[${i}].model_id is required and must be a string.`;
		if (!(typeof model.model_version === 'string' && model.model_version !== '') && typeof model.model_version !== 'number') {
			return `models[${i}].model_version is required and must be a string.`;
		}
		if (typeof model.inference_type !== 'string' || model.inference_type === '') return `models[${i}].inference_type is required and must be a string.`;
		if (model.inference_params !== undefined && !isObject(model.inference_params)) return `models[${i}].inference_params must be an object.`;
	}
	const ids = body.models.map((m: Record<string, unknown>) => m.model_id);
	if (new Set(ids).size !== ids.length) return 'Each model_id may appear only once in models (results are keyed by model_id).';
	return undefined;
}

function createJob(ctx: ApiContext, res: ServerResponse, route: ApiRoute, origin: Job['origin']): string | undefined {
	const hint = 'See https://docs.roboflow.com/deploy/hosted-api/video-inference for the request format.';
	if (route.bodyError) {
		badRequest(res, route.bodyError, hint);
		return undefined;
	}
	const problem = validateJobRequest(route.body);
	if (problem) {
		badRequest(res, problem, hint);
		return undefined;
	}
	const request = route.body as JobRequest;
	// A jobFailed rule matched by input_url (or unconditional) is attached now; one matched by job id when the job ends.
	const failAtEnd = ctx.faults.takeJobFault({ host: 'api', endpoint: 'createJob', method: 'POST', inputUrl: request.input_url }, 'jobFailed');
	const job = ctx.jobs.create(request, failAtEnd, origin);
	sendJson(res, 200, { job_id: job.id, message: 'This endpoint will create videojob' });
	return job.id;
}

async function jobStatus(ctx: ApiContext, res: ServerResponse, jobId: string | undefined): Promise<string | undefined> {
	if (!jobId) {
		badRequest(res, 'job_id is required.', 'GET /videoinfer/?api_key=KEY&job_id=JOB_ID');
		return undefined;
	}
	const job = ctx.jobs.get(jobId);
	if (!job) {
		sendRoboflowError(res, 404, NOT_FOUND, `Video inference job "${jobId}" does not exist.`, 'Use the job_id returned by POST /videoinfer/.');
		return jobId;
	}
	const windowMs = ctx.pollWindowMs();
	const waitMs = ctx.jobs.admitPoll(job, windowMs, Date.now());
	if (waitMs > 0) {
		const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
		sendRoboflowError(
			res,
			429,
			'RateLimitException',
			`Too many requests: the status of a video inference job may be polled at most once every ${Math.round(windowMs / 1000)} seconds.`,
			`Retry after ${retryAfter} seconds.`,
			{ 'Retry-After': String(retryAfter) },
		);
		return jobId;
	}
	await job.preparation;
	const now = Date.now();
	const faultContext = { host: 'api' as const, endpoint: 'jobStatus' as const, method: 'GET', jobId, inputUrl: job.request.input_url };
	if (!job.outcomeDecided && job.readyAt !== undefined && now >= job.readyAt) {
		job.failAtEnd ??= ctx.faults.takeJobFault(faultContext, 'jobFailed');
		job.outcomeDecided = true;
	}
	const status = ctx.jobs.status(job, now);
	if (status.state === 'running') {
		sendJson(res, 200, { status: 1, progress: status.progress });
	} else if (status.state === 'failed') {
		const { failure } = status;
		// An injected failure may carry placeholders (leak bait); the job's own failures never do.
		const expand = (text: string): string => (job.earlyFailure ? text : expandPlaceholders(text, () => jobPlaceholders(ctx, job)));
		sendJson(res, 200, { status: failure.status, message: expand(failure.message), error: expand(failure.error) });
	} else {
		const ttl = ctx.outputUrlTtlSeconds();
		const expired = ctx.faults.takeJobFault(faultContext, 'expiredOutputUrl');
		const signedAt = expired ? now - (ttl + 1) * 1000 : now;
		const outputPath = `/${OUTPUT_BUCKET}/${encodeURIComponent(job.id)}/results.json`;
		sendJson(res, 200, { status: 0, output_signed_url: ctx.signer.sign(ctx.storageUrl, 'GET', outputPath, ttl, signedAt) });
	}
	return jobId;
}

/** Placeholder values for a jobFailed fault: the job's own key, creation URL and input_url. */
function jobPlaceholders(ctx: ApiContext, job: Job): PlaceholderValues {
	return {
		apiKey: job.origin?.apiKey ?? ctx.apiKeys()[0],
		requestUrl: job.origin?.requestUrl ?? `${ctx.apiUrl}/videoinfer/`,
		signedUrl: baitSignedUrl(ctx, job.id),
		inputUrl: job.request.input_url,
	};
}
