/**
 * An upload that fails must not leave the video file open: each attempt opens the binary
 * anew and closes it afterwards, also when storage never reads the body.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow } from '../harness/in-process-n8n';
import { chain, credentialsFor, emulatorForTests, SAMPLE_MP4, withPolicy } from './helpers';

/** Files under n8n's user folder (where filesystem binary data lives) that this process holds open. */
function openBinaryFiles(): string[] {
	const root = process.env.N8N_USER_FOLDER ?? '/nonexistent';
	return readdirSync('/proc/self/fd')
		.map((fd) => {
			try {
				return readlinkSync(`/proc/self/fd/${fd}`);
			} catch {
				return '';
			}
		})
		.filter((target) => target.startsWith(root));
}

describe('Upload Video closes the video after a failed attempt', () => {
	let emulator: RoboflowEmulator;
	let dir: string;
	let video: string;
	beforeAll(async () => {
		emulator = await emulatorForTests();
		dir = mkdtempSync(join(tmpdir(), 'rf-upload-'));
		video = join(dir, 'big.mp4');
		// Large enough that the upload is still being read when storage stops reading it.
		writeFileSync(video, Buffer.alloc(32 * 1024 * 1024));
	});
	afterAll(async () => {
		await emulator.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it.each([
		['storage never answers (the deadline ends each attempt)', { type: 'hang' as const }],
		['storage resets the connection', { type: 'drop' as const }],
	])('%s', async (_, fault) => {
		emulator.reset();
		emulator.addFault({ match: { endpoint: 'upload' }, fault });
		const before = openBinaryFiles();
		const result = await withPolicy({ transferBaseMs: 300, minBytesPerSecond: 1e12, maxAttempts: 2 }, async () =>
			runWorkflow(chain([{}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } }], [{ item: 0, field: 'data', path: video, fileName: 'big.mp4', mimeType: 'video/mp4' }]), {
				credentials: credentialsFor(emulator),
			}),
		);
		expect(result.error?.message).toMatch(/while uploading the video/);
		expect(String(result.error?.description)).toMatch(/tried 2 times/);
		// Closing is asynchronous; give it a moment.
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(openBinaryFiles()).toEqual(before);
	});
});

describe('Upload Video shortens an over-long file name before sending it', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());

	it('sends at most 120 characters, extension and unique suffix kept', async () => {
		const longName = `${'very-long-name-'.repeat(334)}.mp4`;
		expect(longName.length).toBeGreaterThan(5000);
		const result = await runWorkflow(
			chain([{}], [{ name: 'Step', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data', options: { fileName: longName } } }], [{ item: 0, field: 'data', path: SAMPLE_MP4, fileName: 'sample.mp4', mimeType: 'video/mp4' }]),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error).toBeUndefined();
		const sent = emulator.requests.find((r) => r.path.startsWith('/video_upload_signed_url'))?.body as { file_name: string };
		expect(sent.file_name.length).toBeLessThanOrEqual(120);
		expect(sent.file_name).toMatch(/^very-long-name-.*-[a-z0-9]{8}\.mp4$/);
	});
});
