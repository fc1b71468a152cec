/**
 * The workflows the queue suite runs: the demo workflow (Upload -> Start -> Wait For Result,
 * parked), Start Inference on two video URLs (to kill a worker between its two jobs), and a
 * file read from disk and uploaded (binary data modes).
 */
import { readFileSync } from 'fs';

import { DEMO_WORKFLOW_FILE, NODE_TYPE, videoWorkflow } from '../harness';

type Credential = { id: string; name: string };
interface WorkflowNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	[key: string]: unknown;
}

/** Wait For Result parks (checks a minute apart) for up to 30 minutes. */
export function parkedVideoWorkflow(name: string, path: string, credential: Credential) {
	return videoWorkflow(name, path, credential, { waitMode: 'park', pollInterval: 60, maxWaitTime: 30 });
}

function demoNode(name: string, credential: Credential): WorkflowNode {
	const demo = JSON.parse(readFileSync(DEMO_WORKFLOW_FILE, 'utf8')) as { nodes: WorkflowNode[] };
	const node = demo.nodes.find((n) => n.name === name)!;
	return { ...node, credentials: { roboflowApi: credential } };
}

function webhook(path: string): WorkflowNode {
	return {
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2.1,
		position: [0, 0],
		webhookId: path,
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
}

function chain(name: string, nodes: WorkflowNode[]) {
	const connections: Record<string, unknown> = {};
	for (let i = 0; i < nodes.length - 1; i++) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	nodes.forEach((n, i) => (n.position = [i * 220, 0]));
	return { name, nodes, connections, settings: { executionOrder: 'v1' } };
}

/** POST `{ "urls": [a, b] }`: Start Inference starts one job per URL, one after the other. */
export function startTwoJobsWorkflow(name: string, path: string, credential: Credential) {
	const split: WorkflowNode = {
		name: 'One Item per URL',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: { jsCode: 'return $input.first().json.body.urls.map((input_url) => ({ json: { input_url } }));' },
	};
	return chain(name, [webhook(path), split, demoNode('Start Inference', credential)]);
}

/** Reads `filePath` on the worker (Read/Write Files from Disk) and uploads it with Upload Video. */
export function uploadFileWorkflow(name: string, path: string, credential: Credential, filePath: string) {
	const read: WorkflowNode = {
		name: 'Read Video File',
		type: 'n8n-nodes-base.readWriteFile',
		typeVersion: 1.1,
		parameters: { operation: 'read', fileSelector: filePath, options: { dataPropertyName: 'data', mimeType: 'video/mp4' } },
	};
	const upload = demoNode('Upload Video', credential);
	if (upload.type !== NODE_TYPE) throw new Error('the demo workflow changed: Upload Video is not this package');
	return chain(name, [webhook(path), read, upload]);
}
