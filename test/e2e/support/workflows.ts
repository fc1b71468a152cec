/** Workflows the end-to-end tests import into n8n, built with the node's real parameter names. */
import { NODE_TYPE } from './stack';

type Credential = { id: string; name: string };

export function videoWorkflow(name: string, path: string, credential: Credential, waitOptions: Record<string, unknown> = {}) {
	const roboflow = (id: string, label: string, x: number, parameters: Record<string, unknown>) => ({
		id,
		name: label,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [x, 0],
		parameters,
		credentials: { roboflowApi: credential },
	});
	return {
		name,
		nodes: [
			{
				id: 'webhook',
				name: 'Video Arrives',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: path,
				parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: { binaryPropertyName: 'data' } },
			},
			roboflow('upload', 'Upload Video', 220, { operation: 'uploadVideo', binaryPropertyName: 'data' }),
			roboflow('start', 'Start Inference', 440, {
				operation: 'startInference',
				videoUrl: '={{ $json.input_url }}',
				inferFps: 6,
				models: {
					model: [
						{
							model: { __rl: true, mode: 'id', value: 'rock-paper-scissors-presentation/4' },
							inferenceType: 'object-detection',
							options: { confidence: 0.5 },
						},
					],
				},
			}),
			roboflow('wait', 'Wait For Result', 660, {
				operation: 'waitForResult',
				jobId: '={{ $json.job_id }}',
				waitMode: 'park',
				pollInterval: 60,
				maxWaitTime: 30,
				output: 'summary',
				...waitOptions,
			}),
			{
				id: 'next',
				name: 'Next Node',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [880, 0],
				parameters: {
					mode: 'manual',
					includeOtherFields: true,
					assignments: {
						assignments: [{ id: 'a1', name: 'received_by_next_node', value: true, type: 'boolean' }],
					},
					options: {},
				},
			},
		],
		connections: {
			'Video Arrives': { main: [[{ node: 'Upload Video', type: 'main', index: 0 }]] },
			'Upload Video': { main: [[{ node: 'Start Inference', type: 'main', index: 0 }]] },
			'Start Inference': { main: [[{ node: 'Wait For Result', type: 'main', index: 0 }]] },
			'Wait For Result': { main: [[{ node: 'Next Node', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveManualExecutions: true, saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}
