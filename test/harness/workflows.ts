/**
 * The example workflows (examples/*.json), adapted for a run: their own webhook path, the run's
 * credential, and any Wait For Result settings to try.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { NODE_TYPE, PACKAGE_ROOT } from './stack';

export const DEMO_WORKFLOW_FILE = join(PACKAGE_ROOT, 'examples', 'demo-upload-and-summarise.json');
export const LINE_COUNTING_WORKFLOW_FILE = join(PACKAGE_ROOT, 'examples', 'count-people-crossing-a-line-to-slack.json');

type Credential = { id: string; name: string };

interface WorkflowNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, Credential>;
	disabled?: boolean;
}

export function videoWorkflow(name: string, path: string, credential: Credential, waitOptions: Record<string, unknown> = {}, file = DEMO_WORKFLOW_FILE) {
	const workflow = JSON.parse(readFileSync(file, 'utf8')) as { name: string; nodes: WorkflowNode[] };
	workflow.name = name;
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-base.webhook') {
			node.parameters.path = path;
			node.webhookId = path;
		}
		if (node.type === NODE_TYPE) node.credentials = { roboflowApi: credential };
		if (node.name === 'Wait For Result') Object.assign(node.parameters, waitOptions);
	}
	return workflow;
}
