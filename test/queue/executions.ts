/**
 * What the queue suite reads of n8n's executions straight from PostgreSQL (counting 400 rows
 * through the public API would take pages), and waiting for a state.
 */
import type { PostgresServer } from '../harness/queue';

export interface StatusCount {
	status: string;
	mode: string;
	count: number;
}

/** Executions by status and mode (`webhook` the user's run, `integrated` Wait For Result's parked sub-execution). */
export async function executionCounts(pg: PostgresServer, workflowIds?: string[]): Promise<StatusCount[]> {
	const rows = await pg.query<{ status: string; mode: string; count: string }>(
		`SELECT status, mode, count(*) AS count FROM execution_entity ${workflowIds ? 'WHERE "workflowId" = ANY($1)' : ''} GROUP BY status, mode`,
		workflowIds ? [workflowIds] : [],
	);
	return rows.map((r) => ({ status: r.status, mode: r.mode, count: Number(r.count) }));
}

export function countOf(counts: StatusCount[], filter: { status?: string; mode?: string }): number {
	return counts.filter((c) => (!filter.status || c.status === filter.status) && (!filter.mode || c.mode === filter.mode)).reduce((n, c) => n + c.count, 0);
}

export function describeCounts(counts: StatusCount[]): string {
	return counts.map((c) => `${c.mode}/${c.status}: ${c.count}`).join(', ') || 'none';
}

/** The workflow's executions, newest first. */
export async function executionIdsOf(pg: PostgresServer, workflowId: string): Promise<Array<{ id: string; status: string; mode: string }>> {
	return pg.query(`SELECT id::text AS id, status, mode FROM execution_entity WHERE "workflowId" = $1 ORDER BY id DESC`, [workflowId]);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it gives a value; fails after `timeoutMs` with the last `describe()`. */
export async function waitFor<T>(label: string, check: () => Promise<T | undefined>, o: { timeoutMs: number; everyMs?: number; describe?: () => Promise<string> | string }): Promise<T> {
	const deadline = Date.now() + o.timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${o.timeoutMs / 1000} s waiting for ${label}${o.describe ? `: ${await o.describe()}` : ''}`);
		await sleep(o.everyMs ?? 1000);
	}
}

/** Runs `work` on every item, at most `limit` at once. */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(limit, items.length) }, async () => {
			while (next < items.length) {
				const i = next++;
				results[i] = await work(items[i], i);
			}
		}),
	);
	return results;
}
