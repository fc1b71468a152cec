/**
 * The emulator's stand-in for storage.googleapis.com, on its own port.
 *
 *   PUT /roboflow_video_inference_input/<uid>/<file>?X-Goog-...   upload a video (signed for PUT)
 *   GET /roboflow_video_inference_output/<job>/results.json?X-Goog-...   download results (signed for GET)
 *
 * It knows nothing about api keys: access is by signature alone, as on GCS.
 * Uploads are streamed to a temporary file (videos can be 1 GiB) and never
 * held in memory; so is a results file served from disk (the resultsFile option), with its
 * Content-Length. Refusals use GCS's XML error document.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { storageErrorXml, type SignedVerb, type UrlSigner } from './signing';

export const INPUT_BUCKET = 'roboflow_video_inference_input';
export const OUTPUT_BUCKET = 'roboflow_video_inference_output';
/** Uploaded videos are kept for a week, then deleted (per the API documentation). */
export const UPLOAD_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** The Content-Type the upload URL is signed with (X-Goog-SignedHeaders=content-type;host). */
export const UPLOAD_CONTENT_TYPE = 'application/octet-stream';

export interface StoredObject {
	filePath: string;
	bytes: number;
	uploadedAt: number;
}

export class ObjectStore {
	private objects = new Map<string, StoredObject>();
	private fileCounter = 0;
	private generation = 0;
	private directory: string;

	constructor(private readonly baseDirectory: string) {
		this.directory = `${baseDirectory}-0`;
	}

	/** The stored video for an object path, unless it was never uploaded or has been deleted after a week. */
	get(objectPath: string, now: number): StoredObject | undefined {
		const object = this.objects.get(objectPath);
		if (!object || now > object.uploadedAt + UPLOAD_RETENTION_MS) return undefined;
		return object;
	}

	/** Streams the request body to disk; replaces any earlier object at the same path, like GCS. */
	async put(objectPath: string, body: IncomingMessage): Promise<StoredObject> {
		await mkdir(this.directory, { recursive: true });
		this.fileCounter += 1;
		const filePath = path.join(this.directory, `upload-${this.fileCounter}`);
		let bytes = 0;
		body.on('data', (chunk: Buffer) => {
			bytes += chunk.length;
		});
		try {
			await pipeline(body, createWriteStream(filePath));
		} catch (error) {
			await rm(filePath, { force: true });
			throw error;
		}
		const previous = this.objects.get(objectPath);
		if (previous) await rm(previous.filePath, { force: true });
		const object = { filePath, bytes, uploadedAt: Date.now() };
		this.objects.set(objectPath, object);
		return object;
	}

	/** Forgets every object at once; files go in the background from a directory no new upload will use. */
	async clear(): Promise<void> {
		this.objects.clear();
		const old = this.directory;
		this.generation += 1;
		this.directory = `${this.baseDirectory}-${this.generation}`;
		await rm(old, { recursive: true, force: true });
	}
}

export interface StorageRoutes {
	signer: UrlSigner;
	store: ObjectStore;
	/** What a job's results link serves once it has finished successfully, else undefined. */
	resultsFor(jobId: string): ResultsAnswer | undefined;
}

/** The results made for the job, or a file on disk sent as it is. */
export type ResultsAnswer = { json: unknown } | { file: string };

export type StorageOutcome = { status: number; body?: unknown; jobId?: string };

function refuse(res: ServerResponse, status: number, code: string, message: string, details?: string): StorageOutcome {
	const xml = storageErrorXml(code, message, details);
	res.writeHead(status, { 'Content-Type': 'application/xml; charset=UTF-8', 'Content-Length': Buffer.byteLength(xml) });
	res.end(xml);
	return { status };
}

/** Serves one storage request; resolves with what should be recorded about it. */
export async function handleStorageRequest(routes: StorageRoutes, req: IncomingMessage, res: ServerResponse, url: URL): Promise<StorageOutcome> {
	const method = (req.method ?? 'GET').toUpperCase();
	const objectPath = url.pathname;
	const verb: SignedVerb | undefined = method === 'PUT' ? 'PUT' : method === 'GET' ? 'GET' : undefined;
	if (!verb) return refuse(res, 405, 'MethodNotAllowed', `The specified method is not allowed against this resource: ${method}.`);

	const check = routes.signer.verify(verb, objectPath, url.searchParams, Date.now());
	if (!check.ok) {
		// GCS answers an expired signature with 400, a wrong one with 403.
		const status = check.code === 'ExpiredToken' || check.code === 'MissingSecurityHeader' ? 400 : 403;
		req.resume();
		return refuse(res, status, check.code, check.message, check.details);
	}

	if (verb === 'PUT') {
		if (!objectPath.startsWith(`/${INPUT_BUCKET}/`)) {
			req.resume();
			return refuse(res, 403, 'AccessDenied', 'Access denied.');
		}
		const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
		if (contentType !== UPLOAD_CONTENT_TYPE) {
			// content-type is a signed header: a different value breaks the signature on GCS.
			req.resume();
			return refuse(
				res,
				403,
				'SignatureDoesNotMatch',
				`The request signature we calculated does not match the signature you provided. The URL was signed for Content-Type: ${UPLOAD_CONTENT_TYPE}.`,
			);
		}
		const stored = await routes.store.put(objectPath, req);
		res.writeHead(200, { 'Content-Length': 0, ETag: `"${stored.bytes.toString(16)}-${stored.uploadedAt.toString(16)}"` });
		res.end();
		return { status: 200, body: { bytes: stored.bytes } };
	}

	const output = new RegExp(`^/${OUTPUT_BUCKET}/([^/]+)/results\\.json$`).exec(objectPath);
	const results = output ? routes.resultsFor(decodeURIComponent(output[1])) : undefined;
	if (results === undefined) {
		return { ...refuse(res, 404, 'NoSuchKey', 'The specified key does not exist.'), jobId: output?.[1] };
	}
	if ('file' in results) {
		await sendFile(res, results.file);
		return { status: 200, jobId: output![1] };
	}
	const body = JSON.stringify(results.json);
	res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
	return { status: 200, jobId: output![1] };
}

/** Read size for a results file from disk: large reads keep a 1.6 GB download fast. */
const FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams a file as a 200 JSON answer with its Content-Length, honouring backpressure; resolves
 * when it is all written or the client went away. Written chunk by chunk through res.write
 * (not pipe) so that a fault capturing the answer (truncate, trickle) sees it too; such a
 * capture does hold the file in memory, which is fine for the small files faults are tried on.
 */
async function sendFile(res: ServerResponse, filePath: string): Promise<void> {
	const handle = await open(filePath, 'r');
	try {
		const { size } = await handle.stat();
		res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': size });
		if (size > 0) {
			const stream = handle.createReadStream({ highWaterMark: FILE_CHUNK_BYTES, start: 0, end: size - 1, autoClose: false });
			try {
				for await (const chunk of stream) {
					if (res.destroyed) break;
					if (!res.write(chunk)) await drainedOrClosed(res);
				}
			} finally {
				stream.destroy();
			}
		}
		if (!res.destroyed) res.end();
	} finally {
		await handle.close();
	}
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = (): void => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.on('drain', done);
		res.on('close', done);
	});
}
