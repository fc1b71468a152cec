/**
 * n8n's "database" binary data mode (queue mode's default) cannot stream a file: reading one
 * loads all of it, and a large one makes the execution hang. Upload Video refuses a video over
 * its limit there from the stored size alone, before any request and before reading it.
 *
 * The in-process harness has no PostgreSQL, so n8n-core's binary data service gets a
 * "database" manager that keeps files in memory the way n8n's DatabaseManager keeps them in a
 * table (whole buffers, no streaming), and counts every read of a file's content.
 */
import { Container } from '@n8n/di';
import { randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { BinaryDataConfig, BinaryDataService, type BinaryData } from 'n8n-core';
import type { IDataObject } from 'n8n-workflow';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';

import { DATABASE_MODE_MAX_UPLOAD_BYTES } from '../../nodes/RoboflowVideo/helpers/binaryDataMode';
import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow, useBinaryDataMode } from '../harness/in-process-n8n';
import { chain, credentialsFor, emulatorForTests, SAMPLE_MP4 } from './helpers';

interface StoredFile {
	data: Buffer;
	fileName?: string;
	mimeType?: string;
}

class InMemoryDatabaseManager implements BinaryData.Manager {
	private readonly files = new Map<string, StoredFile>();

	/** Reads of a file's content (what loads a whole file into memory in this mode). */
	contentReads = 0;

	async init(): Promise<void> {}

	async store(_location: BinaryData.FileLocation, bufferOrStream: Buffer | Readable, metadata: BinaryData.PreWriteMetadata): Promise<BinaryData.WriteResult> {
		const data = Buffer.isBuffer(bufferOrStream) ? bufferOrStream : Buffer.concat(await bufferOrStream.toArray());
		const fileId = randomUUID();
		this.files.set(fileId, { data, fileName: metadata.fileName, mimeType: metadata.mimeType });
		return { fileId, fileSize: data.length };
	}

	getPath(fileId: string): string {
		return `database://${fileId}`;
	}

	async getAsBuffer(fileId: string): Promise<Buffer> {
		this.contentReads++;
		return this.file(fileId).data;
	}

	async getAsStream(fileId: string): Promise<Readable> {
		// As n8n's DatabaseManager does: the whole file first, then a stream over it.
		return Readable.from(await this.getAsBuffer(fileId));
	}

	async getMetadata(fileId: string): Promise<BinaryData.Metadata> {
		const { data, fileName, mimeType } = this.file(fileId);
		return { fileName, mimeType, fileSize: data.length };
	}

	async copyByFileId(_target: BinaryData.FileLocation, sourceFileId: string): Promise<string> {
		const fileId = randomUUID();
		this.files.set(fileId, { ...this.file(sourceFileId) });
		return fileId;
	}

	async copyByFilePath(target: BinaryData.FileLocation, sourcePath: string, metadata: BinaryData.PreWriteMetadata): Promise<BinaryData.WriteResult> {
		return await this.store(target, readFileSync(sourcePath), metadata);
	}

	async rename(oldFileId: string, newFileId: string): Promise<void> {
		this.files.set(newFileId, this.file(oldFileId));
		this.files.delete(oldFileId);
	}

	private file(fileId: string): StoredFile {
		const found = this.files.get(fileId);
		if (!found) throw new Error(`No stored file ${fileId}`);
		return found;
	}
}

const upload = (continueOnFail = false) => ({ name: 'Upload', continueOnFail, parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } });

describe('Upload Video in n8n\'s database binary data mode', () => {
	let emulator: RoboflowEmulator;
	let database: InMemoryDatabaseManager;
	let dir: string;
	let tooLarge: string;
	beforeAll(async () => {
		emulator = await emulatorForTests();
		dir = mkdtempSync(join(tmpdir(), 'rf-db-mode-'));
		tooLarge = join(dir, 'too-large.mp4');
		writeFileSync(tooLarge, Buffer.alloc(DATABASE_MODE_MAX_UPLOAD_BYTES + 1));
		// The harness's default mode first, so that runWorkflow keeps the mode set here.
		await useBinaryDataMode('filesystem');
		const config = Container.get(BinaryDataConfig);
		config.mode = 'database';
		const service = Container.get(BinaryDataService);
		await service.init();
		database = new InMemoryDatabaseManager();
		service.setManager('database', database);
	});
	afterAll(async () => {
		Container.get(BinaryDataConfig).mode = 'filesystem';
		await Container.get(BinaryDataService).init();
		await emulator.close();
		rmSync(dir, { recursive: true, force: true });
	});
	beforeEach(() => {
		emulator.reset();
		database.contentReads = 0;
	});

	it('refuses a video over the limit before any request and without reading it', async () => {
		const result = await runWorkflow(chain([{}], [upload()], [{ item: 0, field: 'data', path: tooLarge, fileName: 'too-large.mp4', mimeType: 'video/mp4' }]), {
			credentials: credentialsFor(emulator),
		});
		// The binary really is in the database mode, as n8n-core named it.
		expect(String(result.output('Source')[0][0].binary?.data.id)).toMatch(/^database:/);
		expect(result.error?.message).toBe(
			'Item 1: the video is 64 MiB (67,108,865 bytes), more than Upload Video reads from n8n\'s "database" binary data mode (at most 64 MiB)',
		);
		expect(result.error?.description).toMatch(/binary data mode "database"/);
		expect(result.error?.description).toMatch(/N8N_DEFAULT_BINARY_DATA_MODE=filesystem/);
		expect(result.error?.description).toMatch(/N8N_DEFAULT_BINARY_DATA_MODE=s3/);
		expect(result.error?.description).toMatch(/give Start Inference the video's URL/);
		expect(emulator.requests).toHaveLength(0);
		expect(database.contentReads).toBe(0);
	});

	it('with Continue On Fail, uploads a video under the limit and gives the usual error item for the other', async () => {
		const result = await runWorkflow(
			chain(
				[{}, {}],
				[upload(true)],
				[
					{ item: 0, field: 'data', path: SAMPLE_MP4, fileName: 'sample.mp4', mimeType: 'video/mp4' },
					{ item: 1, field: 'data', path: tooLarge, fileName: 'too-large.mp4', mimeType: 'video/mp4' },
				],
			),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error).toBeUndefined();
		const [uploaded, refused] = result.output('Upload')[0];
		expect(uploaded.json).toMatchObject({ file_name: 'sample.mp4', size_bytes: readFileSync(SAMPLE_MP4).length });
		expect(uploaded.pairedItem).toEqual({ item: 0 });
		expect(refused).toEqual({
			json: {
				error: expect.stringMatching(/^Item 2: the video is 64 MiB .* "database" binary data mode/) as string,
				description: expect.stringMatching(/N8N_DEFAULT_BINARY_DATA_MODE=filesystem/) as string,
				item_index: 1,
				job_id: null,
				state: null,
			},
			pairedItem: { item: 1 },
		});
		// Only the sample was read, once, and only it reached Roboflow.
		expect(database.contentReads).toBe(1);
		expect(emulator.requests.map((r) => r.endpoint)).toEqual(['signedUrl', 'upload']);
		expect((emulator.requests[0].body as IDataObject).file_name).toMatch(/^sample-[a-z0-9]{8}\.mp4$/);
		expect((emulator.requests[1].body as IDataObject).bytes).toBe(readFileSync(SAMPLE_MP4).length);
	});
});
