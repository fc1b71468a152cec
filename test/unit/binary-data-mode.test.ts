import { binaryDataModeOf, DATABASE_MODE_MAX_UPLOAD_BYTES, databaseModeRefusal } from '../../nodes/RoboflowVideo/helpers/binaryDataMode';

const MiB = 1024 * 1024;
/** The size at which PostgreSQL's hex string of a file passes V8's longest string (2^29 - 24 characters). */
const HANG_BYTES = 268_435_443;

describe('the binary data mode of a stored binary', () => {
	it.each([
		['database:0c5bd7a4-8d51-4b1f-9d1e-0d1c8d0e1f2a', 'database'],
		['filesystem-v2:workflows/1/executions/2/binary_data/abc', 'filesystem-v2'],
		['filesystem:abc', 'filesystem'],
		['s3:workflows/1/executions/2/binary_data/abc', 's3'],
		['azure:abc', 'azure'],
		[undefined, undefined],
		['', undefined],
		['no-colon-here', undefined],
		[':starts-with-colon', undefined],
	])('%j is %j', (id, mode) => expect(binaryDataModeOf(id)).toBe(mode));
});

describe('which videos Upload Video refuses to read', () => {
	it('refuses well before the size that hangs n8n, and one upload fits a 1 GiB worker', () => {
		expect(DATABASE_MODE_MAX_UPLOAD_BYTES).toBe(64 * MiB);
		expect(DATABASE_MODE_MAX_UPLOAD_BYTES).toBeLessThan(HANG_BYTES / 3);
		// Measured: ~7x the file while uploading from the database, ~330 MB for an idle worker.
		expect(7 * DATABASE_MODE_MAX_UPLOAD_BYTES + 330e6).toBeLessThan(1024 * MiB);
	});

	it.each([
		['a small video in the database', 'database:f1', 5 * MiB, false],
		['a video of exactly the limit in the database', 'database:f1', DATABASE_MODE_MAX_UPLOAD_BYTES, false],
		['one byte over the limit in the database', 'database:f1', DATABASE_MODE_MAX_UPLOAD_BYTES + 1, true],
		['a video that would hang n8n', 'database:f1', HANG_BYTES, true],
		['a 1 GiB video in the database', 'database:f1', 1024 * MiB, true],
		['a 1 GiB video on the filesystem (streamed)', 'filesystem-v2:x', 1024 * MiB, false],
		['a 1 GiB video in S3 (streamed)', 's3:x', 1024 * MiB, false],
		['a large video without an id (bytes already inline)', undefined, 300 * MiB, false],
	])('%s: refused %s', (_, id, size, refused) => {
		expect(databaseModeRefusal(id, size) !== undefined).toBe(refused);
	});

	it('honours a limit given to it', () => {
		expect(databaseModeRefusal('database:f1', 11, 10)).toBeDefined();
		expect(databaseModeRefusal('database:f1', 10, 10)).toBeUndefined();
	});

	it('says why and what to change', () => {
		const refusal = databaseModeRefusal('database:f1', 300 * MiB);
		expect(refusal?.message).toBe('the video is 300 MiB (314,572,800 bytes), more than Upload Video reads from n8n\'s "database" binary data mode (at most 64 MiB)');
		expect(refusal?.description).toMatch(/binary data mode "database"/);
		expect(refusal?.description).toMatch(/N8N_DEFAULT_BINARY_DATA_MODE=filesystem/);
		expect(refusal?.description).toMatch(/N8N_DEFAULT_BINARY_DATA_MODE=s3/);
		expect(refusal?.description).toMatch(/give Start Inference the video's URL/);
	});
});
