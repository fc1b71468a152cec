import 'reflect-metadata';

import { OutboundHttp } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import type { IHttpRequestOptions, ILoadOptionsFunctions, INode } from 'n8n-workflow';

import { searchModels } from '../../nodes/RoboflowVideo/methods/listSearch';
import type { RoboflowEmulator } from '../emulator/server';
import { emulatorForTests, SECRET_KEY } from './helpers';

/** The few members of n8n's load-options context the model list uses, with n8n's real HTTP helper. */
function loadOptionsContext(emulator: RoboflowEmulator, apiKey = SECRET_KEY): ILoadOptionsFunctions {
	const node = { id: 'n', name: 'Roboflow', type: 't', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
	return {
		getNode: () => node,
		getCredentials: async () => ({ apiKey, baseUrl: `${emulator.apiUrl}/` }),
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => await Container.get(OutboundHttp).requests().request(options),
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
