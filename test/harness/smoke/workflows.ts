/** The smoke test's workflows: Webhook -> the dummy node -> Set, and a 70 s Wait across a restart. */
import { PKG } from './dummy-package';

export const webhookSetWorkflow = (hookPath: string) => ({
	name: `smoke ${hookPath}`,
	nodes: [
		{
			id: 'c1f5b7a0-0000-4000-8000-000000000001',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'c1f5b7a0-0000-4000-8000-0000000000a1',
			parameters: { httpMethod: 'POST', path: hookPath, responseMode: 'lastNode', options: {} },
		},
		{
			id: 'c1f5b7a0-0000-4000-8000-000000000002',
			name: 'Dummy',
			type: `${PKG}.e2eDummy`,
			typeVersion: 1,
			position: [200, 0],
			parameters: { mark: 'from-community-node' },
		},
		{
			id: 'c1f5b7a0-0000-4000-8000-000000000003',
			name: 'Set',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [400, 0],
			parameters: {
				assignments: {
					assignments: [
						{ id: 'a1', name: 'greeting', value: '={{ "hello " + $json.body.who }}', type: 'string' },
						{ id: 'a2', name: 'mark', value: '={{ $json.mark }}', type: 'string' },
					],
				},
				options: {},
			},
		},
	],
	connections: {
		Webhook: { main: [[{ node: 'Dummy', type: 'main', index: 0 }]] },
		Dummy: { main: [[{ node: 'Set', type: 'main', index: 0 }]] },
	},
	settings: { executionOrder: 'v1' },
});

export const waitWorkflow = {
	name: 'smoke wait 70s',
	nodes: [
		{
			id: 'd2f5b7a0-0000-4000-8000-000000000001',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'd2f5b7a0-0000-4000-8000-0000000000a1',
			parameters: { httpMethod: 'POST', path: 'smoke-wait', responseMode: 'onReceived', options: {} },
		},
		{
			id: 'd2f5b7a0-0000-4000-8000-000000000002',
			name: 'Wait',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [200, 0],
			webhookId: 'd2f5b7a0-0000-4000-8000-0000000000a2',
			parameters: { resume: 'timeInterval', amount: 70, unit: 'seconds' },
		},
		{
			id: 'd2f5b7a0-0000-4000-8000-000000000003',
			name: 'Set',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [400, 0],
			parameters: {
				assignments: { assignments: [{ id: 'w1', name: 'resumedAt', value: '={{ $now.toISO() }}', type: 'string' }] },
				includeOtherFields: true,
				options: {},
			},
		},
	],
	connections: {
		Webhook: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
		Wait: { main: [[{ node: 'Set', type: 'main', index: 0 }]] },
	},
	settings: { executionOrder: 'v1' },
};
