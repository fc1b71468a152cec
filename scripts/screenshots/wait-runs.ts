/**
 * What n8n's public API says about a Wait For Result run, read before a screenshot is taken, so
 * that a picture is only taken of the state it claims to show: the user's execution parked, the
 * internal run resumed with its progress rows stored, a failed job left as one failed execution.
 */
import { storedOutput, type ExecutionSummary, type N8nInstance, type StoredRun } from '../../test/harness';
import { sleep } from './cdp';

const POLL_MS = 2000;

async function pollUntil<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>, lastSeen: () => string): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await attempt();
		if (found !== undefined) return found;
		if (Date.now() > deadline) throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (last seen: ${lastSeen()})`);
		await sleep(POLL_MS);
	}
}

const describe = (executions: ExecutionSummary[]) => executions.map((e) => `${e.id}:${e.mode}:${e.status}`).join(', ') || 'no executions';

/** The user's execution and the internal (mode "integrated") one, both waiting. */
export async function waitForParkedRun(n8n: N8nInstance, workflowId: string, timeoutMs: number): Promise<{ parent: ExecutionSummary; child: ExecutionSummary }> {
	let seen: ExecutionSummary[] = [];
	return await pollUntil(`the run of workflow ${workflowId} to park (the user's execution and its internal run both waiting)`, timeoutMs, async () => {
		seen = await n8n.api.listExecutions({ workflowId });
		const parent = seen.find((e) => e.mode !== 'integrated');
		const child = seen.find((e) => e.mode === 'integrated');
		if (parent?.status === 'waiting' && child?.status === 'waiting') return { parent, child };
		if (parent && ['success', 'error', 'crashed', 'canceled'].includes(parent.status)) throw new Error(`the run of workflow ${workflowId} ended (${describe(seen)}) before it parked`);
		return undefined;
	}, () => describe(seen));
}

export type ProgressRow = Record<string, unknown> & { job_id: string; state: string; checks_made: number; next_check_at: string };

/**
 * The progress rows of the internal run, once n8n has resumed it at least once: the output of
 * its loop node, which runs only when a parked check is resumed.
 */
export async function waitForProgressRows(n8n: N8nInstance, executionId: string, loopNodeName: string, timeoutMs: number): Promise<{ execution: ExecutionSummary; rows: ProgressRow[] }> {
	let status = '?';
	return await pollUntil(`the internal execution ${executionId} to be resumed and to store its progress under "${loopNodeName}"`, timeoutMs, async () => {
		const execution = await n8n.api.getExecution(executionId, true);
		status = execution.status;
		const rows = storedOutput(execution, loopNodeName);
		const complete = rows.length > 0 && rows.every((row) => typeof row.job_id === 'string' && typeof row.checks_made === 'number' && row.checks_made >= 1 && typeof row.next_check_at === 'string');
		return complete ? { execution, rows: rows as ProgressRow[] } : undefined;
	}, () => `status ${status}`);
}

/** Names of the nodes of the workflow an execution ran (as n8n stored it). */
export function storedNodeNames(execution: ExecutionSummary): string[] {
	return ((execution.workflowData as { nodes?: Array<{ name: string }> } | undefined)?.nodes ?? []).map((node) => node.name);
}

/**
 * The failed job's run as n8n keeps it: one execution in the workflow's list, the user's, failed,
 * its error on `nodeName` with `message` in it; no internal run left. Throws naming what differs.
 */
export async function expectOneFailedExecution(n8n: N8nInstance, workflowId: string, run: StoredRun, nodeName: string, message: string): Promise<{ id: string; error: string }> {
	const listed = await n8n.api.listExecutions({ workflowId });
	if (listed.length !== 1 || listed[0].id !== run.parent.id) throw new Error(`expected the failed job to leave one execution (${run.parent.id}) in the workflow's list, found: ${describe(listed)}`);
	if (run.children.length) throw new Error(`expected no internal run to remain for the failed job, found: ${describe(run.children)}`);
	if (run.parent.status !== 'error') throw new Error(`expected execution ${run.parent.id} to have failed, it ended ${run.parent.status}`);
	const error = run.parent.data?.resultData?.error as { message?: string; node?: { name?: string } } | undefined;
	if (error?.node?.name !== nodeName) throw new Error(`expected the error on "${nodeName}", it is on "${error?.node?.name}"`);
	if (!error.message?.includes(message)) throw new Error(`expected the error to say "${message}", it says "${error.message}"`);
	return { id: run.parent.id, error: error.message };
}
