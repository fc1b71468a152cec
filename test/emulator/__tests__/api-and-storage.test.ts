import { statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { startEmulator, type RoboflowEmulator } from '../server';
import { callApi, fixture, putFile, signedUrlFor, uploadFixture, useFakeClock } from './helpers';

let emulator: RoboflowEmulator;
beforeAll(async () => {
	emulator = await startEmulator({ uploadUrlTtlSeconds: 900 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => jest.useRealTimers());

describe('authentication and error shape', () => {
	it.each([
		['missing key', null],
		['wrong key', 'not-a-key'],
	])('answers 401 in Roboflow shape for a %s, on every route', async (_label, key) => {
		for (const [method, path] of [
			['GET', '/'],
			['GET', '/emulator-workspace'],
			['POST', '/video_upload_signed_url'],
			['POST', '/videoinfer/'],
			['GET', '/videoinfer/?job_id=x'],
		]) {
			const answer = await callApi(emulator, method, path, method === 'POST' ? { file_name: 'a.mp4' } : undefined, key);
			expect(answer.status).toBe(401);
			expect(answer.body).toEqual({
				error: { message: 'This API key does not exist (or has been revoked).', type: 'OAuthException', hint: expect.any(String) },
			});
			expect(JSON.stringify(answer.body)).not.toContain('not-a-key');
		}
	});

	it('accepts any of several configured keys', async () => {
		const multi = await startEmulator({ apiKeys: ['key-one', 'key-two'] });
		try {
			expect(multi.apiKey).toBe('key-one');
			expect((await callApi(multi, 'GET', '/', undefined, 'key-two')).status).toBe(200);
		} finally {
			await multi.close();
		}
	});

	it('answers 404 in Roboflow shape for routes that do not exist', async () => {
		const answer = await callApi(emulator, 'GET', '/video_upload_signed_url');
		expect(answer.status).toBe(404);
		expect(answer.body.error).toEqual({ message: expect.stringContaining('GET /video_upload_signed_url'), type: 'GraphMethodException', hint: expect.any(String) });
	});
});

describe('workspace and project reads', () => {
	it('GET / and POST / name the key\'s workspace', async () => {
		for (const method of ['GET', 'POST']) {
			const answer = await callApi(emulator, method, '/');
			expect(answer.status).toBe(200);
			expect(answer.body).toMatchObject({ workspace: 'emulator-workspace', welcome: expect.any(String) });
		}
	});

	it('lists the workspace projects with their type and version count', async () => {
		for (const path of ['/emulator-workspace', '/emulator-workspace/']) {
			const answer = await callApi(emulator, 'GET', path);
			expect(answer.status).toBe(200);
			const { workspace } = answer.body;
			expect(workspace).toMatchObject({ url: 'emulator-workspace', name: expect.any(String), members: 1 });
			const byId = Object.fromEntries(workspace.projects.map((p: any) => [p.id, p]));
			expect(byId['emulator-workspace/rock-paper-scissors-presentation']).toMatchObject({ type: 'object-detection', versions: 5, classes: { Paper: expect.any(Number), Rock: expect.any(Number), Scissors: expect.any(Number) } });
			expect(workspace.projects.map((p: any) => p.type).sort()).toEqual(['classification', 'instance-segmentation', 'keypoint-detection', 'object-detection', 'object-detection', 'semantic-segmentation']);
			for (const project of workspace.projects) {
				expect(Object.keys(project).sort()).toEqual(['annotation', 'classes', 'colors', 'created', 'id', 'images', 'name', 'public', 'splits', 'type', 'unannotated', 'updated', 'versions']);
			}
		}
	});

	it('shows a project with its versions; trained versions carry a model', async () => {
		const answer = await callApi(emulator, 'GET', '/emulator-workspace/rock-paper-scissors-presentation');
		expect(answer.status).toBe(200);
		expect(answer.body.project).toMatchObject({ id: 'emulator-workspace/rock-paper-scissors-presentation', type: 'object-detection' });
		const versions = answer.body.versions as any[];
		expect(versions.map((v) => v.id)).toEqual([5, 4, 3, 2, 1].map((n) => `emulator-workspace/rock-paper-scissors-presentation/${n}`));
		expect(versions.filter((v) => v.model).map((v) => v.id.split('/').pop())).toEqual(['4', '3', '2', '1']);
		expect(versions[1].model).toMatchObject({ id: 'rock-paper-scissors-presentation/4', endpoint: expect.any(String), map: expect.any(String) });
	});

	it('404s unknown workspaces and projects', async () => {
		expect((await callApi(emulator, 'GET', '/someone-else')).status).toBe(404);
		const missing = await callApi(emulator, 'GET', '/emulator-workspace/nope');
		expect(missing.status).toBe(404);
		expect(missing.body.error.type).toBe('GraphMethodException');
	});
});

describe('signed upload URLs', () => {
	it('hands out a GCS-shaped URL on the storage host, for both spellings', async () => {
		for (const path of ['/video_upload_signed_url', '/video_upload_signed_url/']) {
			const answer = await callApi(emulator, 'POST', path, { file_name: 'My Clip.MP4' });
			expect(answer.status).toBe(200);
			const url = new URL(answer.body.signed_url);
			expect(url.origin).toBe(emulator.storageUrl);
			expect(url.pathname).toMatch(/^\/roboflow_video_inference_input\/[A-Za-z0-9]{28}\/My%20Clip\.MP4$/);
			expect([...url.searchParams.keys()]).toEqual(['X-Goog-Algorithm', 'X-Goog-Credential', 'X-Goog-Date', 'X-Goog-Expires', 'X-Goog-SignedHeaders', 'X-Goog-Signature']);
			expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
			expect(url.searchParams.get('X-Goog-SignedHeaders')).toBe('content-type;host');
			// The SDK slices the expiry out of the raw string this way.
			expect(answer.body.signed_url.split('&X-Goog-Expires')[1].split('&')[0].replace(/^=/, '')).toBe('900');
		}
	});

	it.each(['clip.avi', 'clip.MKV', 'clip.WebM'])('accepts %s', async (name) => {
		expect((await callApi(emulator, 'POST', '/video_upload_signed_url', { file_name: name })).status).toBe(200);
	});

	it.each([
		[{ file_name: 'clip.mov' }, /Unsupported video file type/],
		[{ file_name: 'clip' }, /Unsupported video file type/],
		[{}, /file_name is required/],
		['{not json', /not valid JSON/],
	])('refuses %j with 400', async (body, message) => {
		const answer = await callApi(emulator, 'POST', '/video_upload_signed_url/', body);
		expect(answer.status).toBe(400);
		expect(answer.body.error).toEqual({ message: expect.stringMatching(message), type: expect.any(String), hint: expect.any(String) });
	});

	it('stores a streamed PUT, records its size, and never sees an api key on the storage host', async () => {
		await uploadFixture(emulator, 'sample.mp4');
		const upload = emulator.requests.find((r) => r.host === 'storage')!;
		expect(upload).toMatchObject({ method: 'PUT', status: 200, body: { bytes: statSync(fixture('sample.mp4')).size } });
		const storageTraffic = emulator.requests.filter((r) => r.host === 'storage');
		for (const request of storageTraffic) {
			expect(Object.keys(request.query)).not.toContain('api_key');
			expect(JSON.stringify(request.headers)).not.toContain(emulator.apiKey);
		}
	});

	it('refuses a tampered URL with 403 SignatureDoesNotMatch (XML)', async () => {
		const url = new URL(await signedUrlFor(emulator, 'clip.mp4'));
		url.pathname = url.pathname.replace('clip.mp4', 'other.mp4');
		const response = await putFile(url.toString(), fixture('sample.mp4'));
		expect(response.status).toBe(403);
		expect(response.headers.get('content-type')).toContain('application/xml');
		expect(await response.text()).toMatch(/<Error><Code>SignatureDoesNotMatch<\/Code>/);

		const longer = new URL(await signedUrlFor(emulator, 'clip.mp4'));
		longer.searchParams.set('X-Goog-Expires', '604800');
		expect((await putFile(longer.toString(), fixture('sample.mp4'))).status).toBe(403);
	});

	it('refuses a PUT with another Content-Type (content-type is a signed header)', async () => {
		const response = await putFile(await signedUrlFor(emulator, 'clip.mp4'), fixture('sample.mp4'), 'video/mp4');
		expect(response.status).toBe(403);
		expect(await response.text()).toContain('SignatureDoesNotMatch');
	});

	it('will not give an uploaded video back (the URL is signed for PUT only)', async () => {
		const url = await uploadFixture(emulator, 'sample.mp4');
		const response = await fetch(url);
		expect(response.status).toBe(403);
	});

	it('refuses an expired URL with ExpiredToken', async () => {
		const clock = useFakeClock();
		const url = await signedUrlFor(emulator, 'clip.mp4');
		clock.advance(899_000);
		expect((await putFile(url, fixture('sample.mp4'))).status).toBe(200);
		clock.advance(2_000);
		const response = await putFile(url, fixture('sample.mp4'));
		expect(response.status).toBe(400);
		expect(await response.text()).toMatch(/<Code>ExpiredToken<\/Code>.*<Details>Request signature expired at: /);
	});

	it('refuses a URL with no signature at all', async () => {
		const url = new URL(await signedUrlFor(emulator, 'clip.mp4'));
		const bare = `${url.origin}${url.pathname}`;
		const response = await putFile(bare, fixture('sample.mp4'));
		expect(response.status).toBe(403);
		expect(await response.text()).toContain('AccessDenied');
	});

	it('streams a large upload to disk and records its exact size', async () => {
		const url = await signedUrlFor(emulator, 'big.mp4');
		const chunk = Buffer.alloc(1024 * 1024, 7);
		const chunks = 48;
		const source = Readable.from((function* () {
			for (let i = 0; i < chunks; i++) yield chunk;
		})());
		const response = await fetch(url, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/octet-stream' },
			body: Readable.toWeb(source) as unknown as RequestInit['body'],
			duplex: 'half',
		} as RequestInit);
		expect(response.status).toBe(200);
		expect(emulator.requests.at(-1)).toMatchObject({ host: 'storage', status: 200, body: { bytes: chunks * chunk.length } });
	});
});
