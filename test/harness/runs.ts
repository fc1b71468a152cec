/** Starting the video workflow in a real n8n and reading back what n8n stored. */
import { readFileSync } from 'fs';

import type { ExecutionSummary, N8nInstance } from './n8n';
import { SAMPLE_VIDEO } from './stack';

const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);

export async function postVideo(n8n: N8nInstance, path: string, fileName: string): Promise<void> {
	const response = await n8n.callWebhook(path, 'POST', readFileSync(SAMPLE_VIDEO), {
		headers: { 'content-type': 'video/mp4', 'content-disposition': `attachment; filename="${fileName}"` },
	});
	if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${JSON.stringify(response.data)}`);
}

export interface StoredRun {
	/** The webhook execution the user sees. */
	parent: ExecutionSummary;
	/** The parked sub-execution Wait For Result ran (mode "integrated"). */
	children: ExecutionSummary[];
}

/** Waits until the workflow's executions (parent and sub-executions) have all ended. */
export async function waitForStoredRun(
	n8n: N8nInstance,
	workflowId: string,
	{ timeoutMs = 6 * 60_000, onTick }: { timeoutMs?: number; onTick?: (executions: ExecutionSummary[]) => void } = {},
): Promise<StoredRun> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const executions = await n8n.api.listExecutions({ workflowId });
		onTick?.(executions);
		const parent = executions.find((e) => e.mode !== 'integrated');
		if (parent && executions.length >= 2 && executions.every((e) => TERMINAL.has(e.status))) {
			const full = await Promise.all(executions.map((e) => n8n.api.getExecution(e.id, true)));
			return { parent: full.find((e) => e.mode !== 'integrated')!, children: full.filter((e) => e.mode === 'integrated') };
		}
		if (parent && TERMINAL.has(parent.status) && parent.status !== 'success' && executions.every((e) => TERMINAL.has(e.status))) {
			const full = await Promise.all(executions.map((e) => n8n.api.getExecution(e.id, true)));
			return { parent: full.find((e) => e.mode !== 'integrated')!, children: full.filter((e) => e.mode === 'integrated') };
		}
		if (Date.now() > deadline) {
			throw new Error(`executions of ${workflowId} did not end: ${executions.map((e) => `${e.id}:${e.mode}:${e.status}`).join(', ')}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 2000));
	}
}

/** Output items (json and binary metadata) of a node's last run in a stored execution. */
export function storedItems(execution: ExecutionSummary, nodeName: string): Array<{ json: Record<string, unknown>; binary?: Record<string, Record<string, unknown>> }> {
	const runs = execution.data?.resultData?.runData?.[nodeName] as
		| Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown>; binary?: Record<string, Record<string, unknown>> }>> } }>
		| undefined;
	return runs?.[runs.length - 1]?.data?.main?.[0] ?? [];
}

/** Output items (json) of a node's last run in a stored execution. */
export function storedOutput(execution: ExecutionSummary, nodeName: string): Array<Record<string, unknown>> {
	const runs = execution.data?.resultData?.runData?.[nodeName] as Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }>> } }> | undefined;
	const last = runs?.[runs.length - 1];
	return (last?.data?.main?.[0] ?? []).map((item) => item.json);
}
