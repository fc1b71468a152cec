import 'reflect-metadata';

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { OutboundHttp } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import type { IHttpRequestOptions, ILoadOptionsFunctions, INode, INodeListSearchResult } from 'n8n-workflow';

import { parseModelReference } from '../../nodes/RoboflowVideo/helpers/models';
import { PROJECTS_PER_PAGE, searchModels } from '../../nodes/RoboflowVideo/methods/listSearch';
import { projectDetailJson, type CatalogProject } from '../emulator/catalog';
import type { RoboflowEmulator } from '../emulator/server';
import { emulatorForTests, SECRET_KEY } from './helpers';

/**
 * The few members of n8n's load-options context the model list uses, with n8n's real HTTP helper.
 * `baseUrl` is what the credential says; requests still go to the emulator (to test links made
 * only for Roboflow's own address).
 */
function loadOptionsContext(emulator: Pick<RoboflowEmulator, 'apiUrl'>, apiKey = SECRET_KEY, baseUrl = `${emulator.apiUrl}/`): ILoadOptionsFunctions {
	const node = { id: 'n', name: 'Roboflow', type: 't', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
	return {
		getNode: () => node,
		getCredentials: async () => ({ apiKey, baseUrl }),
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => await Container.get(OutboundHttp).requests().request({ ...options, baseURL: emulator.apiUrl }),
		},
	} as unknown as ILoadOptionsFunctions;
}

describe('the model picker (list search)', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());

	it('lists the trained versions of the workspace\'s projects, newest first, as project/version', async () => {
		const { results } = await searchModels.call(loadOptionsContext(emulator));
		const values = results.map((r) => r.value);
		expect(values.slice(0, 4)).toEqual([
			'rock-paper-scissors-presentation/4',
			'rock-paper-scissors-presentation/3',
			'rock-paper-scissors-presentation/2',
			'rock-paper-scissors-presentation/1',
		]);
		// Version 5 exists but is not trained; semantic segmentation cannot run on video.
		expect(values).not.toContain('rock-paper-scissors-presentation/5');
		expect(values.some((v) => String(v).startsWith('road-semantic-segmentation'))).toBe(false);
		expect(values).toEqual(expect.arrayContaining(['pothole-segmentation/2', 'hand-keypoints/1', 'weather-classification/3']));
		expect(values).not.toContain('weather-classification/2');
		expect(results[0].name).toBe('Rock Paper Scissors · v4 (object-detection)');
	});

	it('filters by what the user types', async () => {
		const { results } = await searchModels.call(loadOptionsContext(emulator), 'pothole');
		expect(results.map((r) => r.value)).toEqual(['pothole-segmentation/2', 'pothole-segmentation/1']);
	});

	it('says plainly when the key is wrong, without showing it', async () => {
		const wrong = 'rf_wrong_key_for_list_0001';
		const error = await searchModels.call(loadOptionsContext(emulator, wrong)).catch((e: Error & { description?: string }) => e);
		expect((error as Error).message).toMatch(/^Roboflow answered HTTP 401 while reading your workspace/);
		expect(JSON.stringify({ m: (error as Error).message, d: (error as { description?: string }).description })).not.toContain(wrong);
	});
});

describe('the model picker: search, pages, pasted URLs', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	const values = (result: INodeListSearchResult) => result.results.map((r) => r.value);

	it('searches by name, slug and type across all projects, never offering semantic segmentation', async () => {
		expect(values(await searchModels.call(loadOptionsContext(emulator), 'segmentation'))).toEqual(['pothole-segmentation/2', 'pothole-segmentation/1']);
		expect(values(await searchModels.call(loadOptionsContext(emulator), 'keypoint'))).toEqual(['hand-keypoints/1']);
		expect(values(await searchModels.call(loadOptionsContext(emulator), 'People DETECTION'))).toEqual(['people-detection/2', 'people-detection/1']);
		expect(values(await searchModels.call(loadOptionsContext(emulator), 'no such thing'))).toEqual([]);
	});

	it('gives no next-page token when the workspace fits in one page', async () => {
		const result = await searchModels.call(loadOptionsContext(emulator));
		expect(result.paginationToken).toBeUndefined();
		// The root, the workspace, and one read per project shown (semantic segmentation is not opened).
		expect(emulator.requests.map((r) => r.path).sort()).toEqual(
			['/', '/emulator-workspace', ...['hand-keypoints', 'people-detection', 'pothole-segmentation', 'rock-paper-scissors-presentation', 'weather-classification'].map((p) => `/emulator-workspace/${p}`)].sort(),
		);
	});

	it.each([
		['an app URL of a version', 'https://app.roboflow.com/emulator-workspace/weather-classification/3', ['weather-classification/3', 'weather-classification/1']],
		['an app URL of an older version', 'https://app.roboflow.com/emulator-workspace/weather-classification/1/train', ['weather-classification/1', 'weather-classification/3']],
		['a Universe URL without a version', 'https://universe.roboflow.com/emulator-workspace/pothole-segmentation', ['pothole-segmentation/2', 'pothole-segmentation/1']],
		['a Universe model URL', 'https://universe.roboflow.com/emulator-workspace/rock-paper-scissors-presentation/model/2', ['rock-paper-scissors-presentation/2', 'rock-paper-scissors-presentation/4', 'rock-paper-scissors-presentation/3', 'rock-paper-scissors-presentation/1']],
		['project/version', 'pothole-segmentation/1', ['pothole-segmentation/1', 'pothole-segmentation/2']],
	])('a pasted %s lists the versions of that project, the named one first', async (_label, pasted, expected) => {
		expect(values(await searchModels.call(loadOptionsContext(emulator), pasted))).toEqual(expected);
		expect(emulator.requests.map((r) => r.path)).not.toContain('/emulator-workspace');
	});

	it('a pasted URL of a project this key cannot read lists nothing (no error)', async () => {
		expect(await searchModels.call(loadOptionsContext(emulator), 'https://universe.roboflow.com/someone-else/forklifts/model/3')).toEqual({ results: [] });
	});

	it('links each version to its page in Roboflow when the credential talks to Roboflow itself', async () => {
		const ctx = loadOptionsContext(emulator, SECRET_KEY, 'https://api.roboflow.com');
		const [first] = (await searchModels.call(ctx, 'pothole')).results;
		expect(first).toEqual({ name: 'Pothole Segmentation · v2 (instance-segmentation)', value: 'pothole-segmentation/2', url: 'https://app.roboflow.com/emulator-workspace/pothole-segmentation/2' });
		// Not for a proxy or the emulator, where such a page would not exist.
		expect((await searchModels.call(loadOptionsContext(emulator), 'pothole')).results[0].url).toBeUndefined();
	});
});

describe('the model picker pages through a large workspace', () => {
	/** A Roboflow-shaped API (the emulator's shapes) with 25 projects, more than two pages. */
	const WS = 'big-workspace';
	const projects: CatalogProject[] = Array.from({ length: 25 }, (_, i) => ({
		slug: `project-${String(i + 1).padStart(2, '0')}`,
		name: `Project ${i + 1}`,
		type: i === 4 ? 'semantic-segmentation' : i % 3 === 0 ? 'instance-segmentation' : 'object-detection',
		classes: ['thing'],
		versionCount: 2,
		trainedVersions: [1, 2],
		created: 1_700_000_000 + i,
	}));
	let server: Server;
	let apiUrl: string;
	const served: string[] = [];

	beforeAll(async () => {
		server = createServer((req, res) => {
			const url = new URL(req.url ?? '/', 'http://x');
			served.push(url.pathname);
			const parts = url.pathname.split('/').filter(Boolean);
			const send = (status: number, body: unknown) => {
				res.writeHead(status, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify(body));
			};
			if (url.searchParams.get('api_key') !== SECRET_KEY) return send(401, { error: { message: 'This API key does not exist (or has been revoked).' } });
			if (parts.length === 0) return send(200, { welcome: 'Welcome to the Roboflow API.', workspace: WS });
			if (parts.length === 1 && parts[0] === WS) return send(200, { workspace: { name: 'Big', url: WS, members: 3, projects: projects.map((p) => projectDetailJson(WS, p).project) } });
			const project = parts.length === 2 && parts[0] === WS ? projects.find((p) => p.slug === parts[1]) : undefined;
			if (project) return send(200, projectDetailJson(WS, project));
			send(404, { error: { message: 'Unsupported request.' } });
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => await new Promise((resolve) => server.close(resolve)));

	const context = () => loadOptionsContext({ apiUrl } as RoboflowEmulator);

	it('opens a page of projects at a time and hands n8n a token for the next, until every project was shown', async () => {
		const seen: string[] = [];
		const tokens: unknown[] = [];
		let token: string | undefined;
		do {
			served.length = 0;
			const page = await searchModels.call(context(), undefined, token);
			seen.push(...page.results.map((r) => String(r.value)));
			// Each page reads the root, the workspace and at most one page of projects.
			expect(served.filter((p) => p.split('/').filter(Boolean).length === 2).length).toBeLessThanOrEqual(PROJECTS_PER_PAGE);
			token = page.paginationToken as string | undefined;
			tokens.push(token);
		} while (token);
		expect(tokens).toEqual(['10', '20', undefined]);
		const expected = projects.filter((p) => p.type !== 'semantic-segmentation').flatMap((p) => [`${p.slug}/2`, `${p.slug}/1`]);
		expect(seen).toEqual(expected);
	});

	it('search reaches projects beyond the first page', async () => {
		const result = await searchModels.call(context(), 'project 23');
		expect(result.results.map((r) => r.value)).toEqual(['project-23/2', 'project-23/1']);
		expect(result.paginationToken).toBeUndefined();
		const segmentation = await searchModels.call(context(), 'instance-segmentation');
		expect(segmentation.results.map((r) => r.value)).toEqual(
			projects.filter((p) => p.type === 'instance-segmentation').flatMap((p) => [`${p.slug}/2`, `${p.slug}/1`]),
		);
	});
});

describe('model references the picker and Start Inference read', () => {
	it.each([
		['rock-paper-scissors-presentation/4', { modelId: 'rock-paper-scissors-presentation', version: '4' }],
		['  my-project/04/ ', { modelId: 'my-project', version: '4' }],
		['my-ws/my-project/3', { workspace: 'my-ws', modelId: 'my-project', version: '3' }],
		['my-ws/my-project/model/3', { workspace: 'my-ws', modelId: 'my-project', version: '3' }],
		['https://app.roboflow.com/my-ws/my-project/3', { workspace: 'my-ws', modelId: 'my-project', version: '3' }],
		['https://app.roboflow.com/my-ws/my-project/3/train?tab=1', { workspace: 'my-ws', modelId: 'my-project', version: '3' }],
		['https://universe.roboflow.com/my-ws/my-project/model/12', { workspace: 'my-ws', modelId: 'my-project', version: '12' }],
		['https://universe.roboflow.com/my-ws/my-project/dataset/2', { workspace: 'my-ws', modelId: 'my-project', version: '2' }],
		['https://detect.roboflow.com/my-project/5', { modelId: 'my-project', version: '5' }],
		['https://serverless.roboflow.com/my-project/5?api_key=x', { modelId: 'my-project', version: '5' }],
		['https://proxy.example.com/my-ws/my-project/5', { workspace: 'my-ws', modelId: 'my-project', version: '5' }],
		[{ __rl: true, mode: 'url', value: 'https://universe.roboflow.com/a/b/model/1' }, { workspace: 'a', modelId: 'b', version: '1' }],
	])('%j', (raw, expected) => {
		expect(parseModelReference(raw)).toEqual(expected);
	});

	it.each(['my-project', 'my-project/latest', 'my project/4', 'a/b/c/4', 'https://universe.roboflow.com/my-ws/my-project', 'https://app.roboflow.com/my-ws', 'https://example.com/videos', '', 42, null, {}])(
		'%j is not one',
		(raw) => expect(parseModelReference(raw)).toBeUndefined(),
	);
});
