/**
 * Benchmark (not a test): what parked waits cost in n8n's queue mode. One stack on this machine
 * (test/harness/queue: Redis, PostgreSQL 17, an n8n main and 2 workers at concurrency 10, this
 * package from its tarball), one workflow Upload -> Start -> Wait For Result (Park Execution)
 * and the emulator's jobs running for hours, so that every run stays parked. It parks 50 runs
 * and then 500 in all, and at 0, 50 and 500 prints:
 *   - RSS of the main and of each worker: once the queue has been idle for 20 s, the median of 10
 *     samples a second apart; and then each one's JS heap after two full garbage collections
 *     (through the V8 inspector, test/harness/queue/heap.ts): RSS keeps what V8 took during the
 *     burst of starts and has not given back, the heap after a collection is what is really kept;
 *   - execution_entity rows by status (each parked wait is two `waiting` rows: the run and
 *     Wait For Result's sub-execution), read while Bull's queue is empty: none may be `running`;
 *   - bytes stored per parked execution in execution_data (raw text and as stored, TOAST-compressed);
 *   - memory growth per parked run from 50 to 500 (target: under 100 KiB), main and workers, of
 *     the heap after a collection (the target's measure) and of RSS.
 *
 * The check interval is 15 minutes by default, so that what is measured is what holding parked
 * runs costs, not the checks that happen to run at that moment; BENCH_PARKED_INTERVAL_S=60 gives
 * the busiest interval Roboflow allows (500 runs: about 8 checks a second).
 *
 *   npm run bench:parked
 *   BENCH_PARKED_INTERVAL_S=60 npm run bench:parked
 *   BENCH_PARKED_STEPS=50,500 npm run bench:parked     (the run counts to stop and measure at)
 */
import { startQueueStack, type QueueStack } from '../test/harness/queue';
import { postVideo, procStatusBytes, videoWorkflow } from '../test/harness';

/** KiB as whole MiB, for the tables. */
const mibOfKiB = (kib: number): number => Math.round(kib / 1024);

const STEPS = (process.env.BENCH_PARKED_STEPS ?? '50,500').split(',').map(Number);
const INTERVAL_S = Number(process.env.BENCH_PARKED_INTERVAL_S ?? 900);
const TARGET_KIB_PER_RUN = 100;
const t0 = Date.now();
const log = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Measurement {
	parked: number;
	rssKiB: Record<string, number>;
	heapKiB: Record<string, number>;
	rows: Record<string, number>;
	dataBytes: { raw: number; stored: number; workflowJson: number };
}

/** Waits until Bull's queue has been empty for three reads in a row; false when it never was within `timeoutMs`. */
async function untilQueueIdle(stack: QueueStack, timeoutMs = 120_000): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (let quiet = 0; quiet < 3; ) {
		if (Date.now() > deadline) return false;
		const busy = (await stack.redis.integer('LLEN', 'bull:jobs:active')) + (await stack.redis.integer('LLEN', 'bull:jobs:wait'));
		quiet = busy === 0 ? quiet + 1 : 0;
		await sleep(300);
	}
	return true;
}

/** How far apart each job's consecutive status checks were, against the interval asked for. */
function checkSpacing(stack: QueueStack): string {
	const spacings: number[] = [];
	for (const job of stack.emulator.jobs()) {
		const polls = stack.emulator.statusPolls(job.id).map((r) => r.at);
		for (let i = 1; i < polls.length; i++) spacings.push((polls[i] - polls[i - 1]) / 1000);
	}
	if (!spacings.length) return 'no job was checked twice';
	spacings.sort((a, b) => a - b);
	const at = (q: number) => spacings[Math.min(spacings.length - 1, Math.floor(q * spacings.length))].toFixed(1);
	return `${spacings.length} pairs of consecutive checks, ${at(0)} s to ${at(1)} s apart (median ${at(0.5)} s, 95th percentile ${at(0.95)} s; asked: ${INTERVAL_S} s)`;
}

/**
 * Rows by status, read at a moment when Bull's queue is empty before and after the read (no check
 * in flight), so a `running` row would be a parked run held as running. `idle` false: no such
 * moment came (very short check intervals), and the rows are from a busy moment.
 */
async function rowsWhileQueueIdle(stack: QueueStack): Promise<{ rows: Record<string, number>; idle: boolean }> {
	let rows: Record<string, number> = {};
	for (let attempt = 0; attempt < 10; attempt++) {
		const idleBefore = await untilQueueIdle(stack, 30_000);
		rows = Object.fromEntries(
			(await stack.postgres.query<{ status: string; count: string }>('SELECT status, count(*) AS count FROM execution_entity GROUP BY status')).map((r) => [r.status, Number(r.count)]),
		);
		const busy = (await stack.redis.integer('LLEN', 'bull:jobs:active')) + (await stack.redis.integer('LLEN', 'bull:jobs:wait'));
		if (idleBefore && busy === 0) return { rows, idle: true };
	}
	return { rows, idle: false };
}

async function measure(stack: QueueStack, parked: number): Promise<Measurement> {
	if (!(await untilQueueIdle(stack))) log('Bull\'s queue was not empty for 2 minutes: measuring memory while checks run');
	await sleep(20_000);
	const processes: Record<string, number> = { main: stack.n8n.pid! };
	for (const w of stack.workers) processes[w.name] = w.pid!;
	const samples: Record<string, number[]> = {};
	for (let i = 0; i < 10; i++) {
		for (const [name, pid] of Object.entries(processes)) (samples[name] ??= []).push((procStatusBytes(pid, 'VmRSS') ?? NaN) / 1024);
		await sleep(1000);
	}
	const rssKiB = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
	const heapKiB: Record<string, number> = {};
	for (const name of Object.keys(processes)) heapKiB[name] = (await stack.heapAfterGc(name)).heapUsedKiB;
	const { rows, idle } = await rowsWhileQueueIdle(stack);
	if (!idle) log('no moment without a check in flight: the rows below may count running checks');
	const [bytes] = await stack.postgres.query<{ raw: string; stored: string; workflow: string }>(
		`SELECT coalesce(avg(octet_length(d.data)), 0) AS raw, coalesce(avg(pg_column_size(d.data)), 0) AS stored, coalesce(avg(octet_length(d."workflowData"::text)), 0) AS workflow
		   FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e.status = 'waiting'`,
	);
	const m = { parked, rssKiB, heapKiB, rows, dataBytes: { raw: Number(bytes.raw), stored: Number(bytes.stored), workflowJson: Number(bytes.workflow) } };
	log(
		`${parked} parked: RSS ${Object.entries(rssKiB)
			.map(([n, k]) => `${n} ${mibOfKiB(k)} MiB`)
			.join(', ')}; JS heap after GC ${Object.entries(heapKiB)
			.map(([n, k]) => `${n} ${mibOfKiB(k)} MiB`)
			.join(', ')}; execution_entity rows ${JSON.stringify(rows)} (${parked ? ((rows.waiting ?? 0) / parked).toFixed(2) : '-'} waiting rows per parked run, running: ${rows.running ?? 0}); ` +
			`execution_data per parked execution: data ${Math.round(m.dataBytes.raw)} B raw / ${Math.round(m.dataBytes.stored)} B stored, workflowData ${Math.round(m.dataBytes.workflowJson)} B`,
	);
	return m;
}

async function parkRuns(stack: QueueStack, path: string, from: number, to: number): Promise<void> {
	const started = Date.now();
	let next = from;
	await Promise.all(
		Array.from({ length: 20 }, async () => {
			while (next < to) await postVideo(stack.n8n, path, `parked-${next++}.mp4`);
		}),
	);
	for (;;) {
		const [row] = await stack.postgres.query<{ parents: string; children: string }>(
			`SELECT count(*) FILTER (WHERE mode = 'webhook' AND status = 'waiting') AS parents, count(*) FILTER (WHERE mode = 'integrated' AND status = 'waiting') AS children FROM execution_entity`,
		);
		if (Number(row.parents) >= to && Number(row.children) >= to) break;
		await sleep(2000);
	}
	log(`${to - from} more runs parked in ${((Date.now() - started) / 1000).toFixed(0)} s (${to} in all)`);
}

async function main(): Promise<void> {
	// Jobs of 4 hours: every run stays parked however long the benchmark takes.
	const stack = await startQueueStack({ log, inspectable: true, emulator: { pollWindowMs: 60_000, processing: { fixedSeconds: 4 * 3600 } } });
	const results: Measurement[] = [];
	try {
		const path = 'bench-parked';
		const workflowId = await stack.n8n.api.createWorkflow(videoWorkflow('bench parked', path, stack.credential, { waitMode: 'park', pollInterval: INTERVAL_S, maxWaitTime: 600 }));
		await stack.n8n.api.activateWorkflow(workflowId);
		results.push(await measure(stack, 0));
		let parked = 0;
		for (const step of STEPS) {
			await parkRuns(stack, path, parked, step);
			parked = step;
			results.push(await measure(stack, parked));
		}
		if (INTERVAL_S <= 120) {
			// Three rounds of checks of all runs: does the stack keep every job to its interval?
			log(`holding ${3 * INTERVAL_S} s to see the checks come round`);
			await sleep(3 * INTERVAL_S * 1000);
		}
		const checks = stack.emulator.requests.filter((r) => r.endpoint === 'jobStatus').length;
		log(`check interval ${INTERVAL_S} s; status checks so far: ${checks}; jobs started: ${stack.emulator.jobs().length}`);
		log(`check spacing: ${checkSpacing(stack)}`);
	} finally {
		await stack.stop();
	}

	const [first, last] = [results[1], results[results.length - 1]];
	console.log('\nparked runs | RSS main / workers | JS heap after GC, main / workers | waiting rows | running | execution_data per parked execution (raw / stored)');
	for (const r of results) {
		const of = (k: Record<string, number>) => Object.values(k).map((v) => mibOfKiB(v)).join(' / ');
		console.log(`${String(r.parked).padStart(11)} | ${of(r.rssKiB).padStart(17)} MiB | ${of(r.heapKiB).padStart(20)} MiB | ${String(r.rows.waiting ?? 0).padStart(12)} | ${String(r.rows.running ?? 0).padStart(7)} | ${Math.round(r.dataBytes.raw)} B / ${Math.round(r.dataBytes.stored)} B`);
	}
	let missed = false;
	if (first && last && last.parked > first.parked) {
		const runs = last.parked - first.parked;
		for (const name of Object.keys(last.rssKiB)) {
			const heapPerRun = (last.heapKiB[name] - first.heapKiB[name]) / runs;
			const rssPerRun = (last.rssKiB[name] - first.rssKiB[name]) / runs;
			const ok = heapPerRun < TARGET_KIB_PER_RUN;
			missed ||= !ok;
			console.log(
				`growth per parked run, ${first.parked} -> ${last.parked}, ${name}: JS heap after GC ${heapPerRun.toFixed(1)} KiB (target < ${TARGET_KIB_PER_RUN} KiB: ${ok ? 'met' : 'MISSED'}), RSS ${rssPerRun.toFixed(1)} KiB`,
			);
		}
	}
	if (results.some((r) => (r.rows.running ?? 0) > 0)) {
		missed = true;
		console.log('an execution was running while the runs were parked');
	}
	process.exitCode = missed ? 1 : 0;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
