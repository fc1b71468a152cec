/**
 * n8n's queue mode, for real, on one machine: Redis, PostgreSQL 17, an n8n main and two workers
 * (concurrency 10 each), this package installed from its tarball in each, and the emulator.
 * Scenarios (issue 12), in one stack run:
 *
 *   1-3. 200 runs of Upload -> Start -> Wait For Result (parked; jobs of 150 s) started together;
 *        a worker SIGKILLed while all are parked, then the main SIGKILLed while parked and started
 *        again: every run completes with its own job's result, each job checked at least 60 s
 *        apart, one job per run, and how late the checks came after the main's outage is printed.
 *   4.   a worker SIGKILLed during an upload and during Start Inference (after its first job
 *        started): what the user sees, and the started job's id in the worker's log.
 *   5.   binary data in the database (queue mode's default): Upload Video refuses a file it cannot
 *        read safely before reading it, a small one uploads; in filesystem mode a 1 GiB file
 *        uploads from a worker with flat memory.
 *
 * QUEUE_RUNS changes the 200 (e.g. 20 for a quick look).
 */
import * as fs from 'fs';
import * as path from 'path';

import { mib, postVideo, SAMPLE_VIDEO, storedOutput, watchRss, type ExecutionSummary } from '../harness';
import { startQueueStack, type N8nWorker, type QueueStack } from '../harness/queue';
import { countOf, describeCounts, executionCounts, executionIdsOf, inBatches, sleep, waitFor } from './executions';
import { killAtQuietMoment } from './quiet-moment';
import { parkedVideoWorkflow, startTwoJobsWorkflow, uploadFileWorkflow } from './workflows';

const MINUTE = 60_000;
const RUNS = Number(process.env.QUEUE_RUNS ?? 200);
const JOB_SECONDS = 150;
const MAIN_OUTAGE_MS = 15_000;
const t0 = Date.now();
const log = (line: string) => process.stdout.write(`  [queue ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

let stack: QueueStack;
let scenario1InputUrls: string[] = [];

beforeAll(async () => {
	stack = await startQueueStack({ log, emulator: { pollWindowMs: MINUTE, processing: { fixedSeconds: JOB_SECONDS } } });
}, 10 * MINUTE);

afterAll(async () => {
	if (!stack) return;
	const processes = [stack.n8n.pid, ...stack.workers.map((w) => w.pid), stack.redis.process.pid, stack.postgres.process.pid].filter((p): p is number => !!p);
	await stack.stop();
	// Nothing of the stack is left running: every process group is gone.
	for (const pid of processes) expect(() => process.kill(-pid, 0)).toThrow();
	// The API key never reaches any process's log.
	for (const file of fs.readdirSync(stack.logDir)) expect(fs.readFileSync(path.join(stack.logDir, file), 'utf8')).not.toContain(stack.apiKey);
}, 3 * MINUTE);

async function deploy(workflow: Record<string, unknown>): Promise<string> {
	const id = await stack.n8n.api.createWorkflow(workflow);
	await stack.n8n.api.activateWorkflow(id);
	return id;
}

function runError(execution: ExecutionSummary): string {
	const error = execution.data?.resultData?.error as { message?: string; description?: string } | undefined;
	return [error?.message, error?.description].filter(Boolean).join(' / ') || '(no error stored)';
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

test(`1-3. ${RUNS} parked runs: a worker and then the main SIGKILLed while parked; all complete with their own results, checks >= 60 s apart, one job per run`, async () => {
	const workflows = await inBatches(
		Array.from({ length: RUNS }, (_, i) => i),
		8,
		async (i) => ({ i, path: `queue-run-${i}`, id: await deploy(parkedVideoWorkflow(`queue run ${i}`, `queue-run-${i}`, stack.credential)) }),
	);
	const workflowIds = workflows.map((w) => w.id);
	log(`${RUNS} workflows created and active; starting all at once`);
	const startedAt = Date.now();
	await inBatches(workflows, 25, (w) => postVideo(stack.n8n, w.path, `run-${w.i}.mp4`));
	log(`${RUNS} webhooks answered in ${seconds(Date.now() - startedAt)}`);

	// Every run parked: its webhook execution and Wait For Result's sub-execution both waiting.
	await waitFor(
		'every run to park',
		async () => {
			const counts = await executionCounts(stack.postgres, workflowIds);
			return countOf(counts, { status: 'waiting', mode: 'webhook' }) === RUNS && countOf(counts, { status: 'waiting', mode: 'integrated' }) === RUNS ? true : undefined;
		},
		{ timeoutMs: 12 * MINUTE, everyMs: 2000, describe: async () => describeCounts(await executionCounts(stack.postgres, workflowIds)) },
	);
	const parkedAt = Date.now();
	log(`all ${RUNS} runs parked ${seconds(parkedAt - startedAt)} after the start (${describeCounts(await executionCounts(stack.postgres, workflowIds))})`);
	expect(countOf(await executionCounts(stack.postgres, workflowIds), { status: 'running' })).toBe(0);

	// 2. A worker SIGKILLed while the runs are parked, started again as a supervisor would.
	const worker = stack.workers[0];
	const { waitedMs } = await killAtQuietMoment(stack.redis, () => worker.kill());
	log(`scenario 2: ${worker.name} SIGKILLed (queue empty after ${waitedMs} ms); starting it again`);
	await worker.start();

	// 3. The main SIGKILLed while parked, down for MAIN_OUTAGE_MS, started again.
	await sleep(5_000);
	let mainKilledAt = 0;
	await killAtQuietMoment(stack.redis, async () => {
		mainKilledAt = Date.now();
		await stack.n8n.kill();
	});
	log(`scenario 3: main SIGKILLed; starting it again in ${MAIN_OUTAGE_MS / 1000} s`);
	await sleep(MAIN_OUTAGE_MS);
	await stack.n8n.restart();
	const mainBackAt = Date.now();
	log(`main back after ${seconds(mainBackAt - mainKilledAt)} down`);

	await waitFor(
		'every run to end',
		async () => {
			const counts = await executionCounts(stack.postgres, workflowIds);
			return countOf(counts, { status: 'waiting' }) + countOf(counts, { status: 'running' }) + countOf(counts, { status: 'new' }) === 0 ? counts : undefined;
		},
		{ timeoutMs: 15 * MINUTE, everyMs: 3000, describe: async () => describeCounts(await executionCounts(stack.postgres, workflowIds)) },
	);
	const counts = await executionCounts(stack.postgres, workflowIds);
	log(`all ended ${seconds(Date.now() - startedAt)} after the start: ${describeCounts(counts)}`);
	expect(countOf(counts, { mode: 'webhook', status: 'success' })).toBe(RUNS);
	expect(countOf(counts, { mode: 'integrated', status: 'success' })).toBe(RUNS);
	expect(countOf(counts, {})).toBe(2 * RUNS);

	// Exactly one job per run, and each run's result is its own job's.
	const createJobs = stack.emulator.requests.filter((r) => r.endpoint === 'createJob' && r.status === 200);
	expect(createJobs).toHaveLength(RUNS);
	const jobs = new Map(stack.emulator.jobs().map((j) => [j.id, j]));
	expect(jobs.size).toBe(RUNS);
	const runs = await inBatches(workflows, 6, async (w) => {
		const [parent] = (await executionIdsOf(stack.postgres, w.id)).filter((e) => e.mode === 'webhook');
		return stack.n8n.api.getExecution(parent.id, true);
	});
	const lateness: number[] = [];
	const resultDelays: number[] = [];
	const jobIds = new Set<string>();
	for (const run of runs) {
		expect(run.status).toBe('success');
		const [upload] = storedOutput(run, 'Upload Video');
		const [started] = storedOutput(run, 'Start Inference');
		const [result] = storedOutput(run, 'Next Node');
		const job = jobs.get(String(started.job_id))!;
		expect(job).toBeDefined();
		expect(job.input_url).toBe(upload.input_url);
		expect(result).toMatchObject({ job_id: started.job_id, state: 'completed', received_by_next_node: true });
		jobIds.add(job.id);
		const polls = stack.emulator.statusPolls(job.id).map((r) => r.at);
		expect(polls.length).toBeGreaterThanOrEqual(2);
		for (let i = 1; i < polls.length; i++) expect(polls[i] - polls[i - 1]).toBeGreaterThanOrEqual(MINUTE);
		expect(stack.emulator.statusPolls(job.id).filter((r) => r.status === 429)).toHaveLength(0);
		// How late the first check after the main's outage came, against when it was due (a minute after the one before).
		const before = polls.filter((at) => at < mainKilledAt);
		const after = polls.find((at) => at >= mainKilledAt);
		if (before.length && after !== undefined && before[before.length - 1] + MINUTE < mainBackAt) lateness.push(after - (before[before.length - 1] + MINUTE));
		resultDelays.push(new Date(String(run.stoppedAt)).getTime() - job.readyAt!);
	}
	expect(jobIds.size).toBe(RUNS);
	scenario1InputUrls = runs.slice(0, 2).map((r) => String(storedOutput(r, 'Upload Video')[0].input_url));
	log(
		`scenario 3: main down ${seconds(mainBackAt - mainKilledAt)}; ${lateness.length} checks fell due while it was down: ` +
			`late by median ${seconds(median(lateness))}, max ${seconds(Math.max(...lateness))}; ` +
			`result reached the next node after the job finished: median ${seconds(median(resultDelays))}, max ${seconds(Math.max(...resultDelays))} (all ${RUNS} runs)`,
	);
}, 45 * MINUTE);

/** The worker that runs the workflow's newest execution, once its log says it started it. */
async function workerRunning(workflowId: string): Promise<{ executionId: string; worker: N8nWorker }> {
	return waitFor(
		`a worker to start an execution of workflow ${workflowId}`,
		async () => {
			const [execution] = await executionIdsOf(stack.postgres, workflowId);
			const worker = execution && stack.workerOf(execution.id);
			return worker ? { executionId: execution.id, worker } : undefined;
		},
		{ timeoutMs: 60_000, everyMs: 200 },
	);
}

test('4. a worker SIGKILLed during an upload and during Start Inference: the run fails visibly and the started job id is in the worker log', async () => {
	stack.emulator.clearFaults();
	// An upload that never ends: the worker is killed with it in flight.
	stack.emulator.addFault({ match: { host: 'storage', endpoint: 'upload' }, times: 1, fault: { type: 'hang' } });
	const uploadWorkflow = await deploy(parkedVideoWorkflow('queue kill during upload', 'queue-kill-upload', stack.credential));
	await postVideo(stack.n8n, 'queue-kill-upload', 'killed-upload.mp4');
	await waitFor('the upload to hang', async () => (stack.emulator.requests.some((r) => r.endpoint === 'upload' && r.fault === 'hang') ? true : undefined), { timeoutMs: 60_000, everyMs: 200 });
	const upload = await workerRunning(uploadWorkflow);
	await upload.worker.kill();
	log(`scenario 4: ${upload.worker.name} SIGKILLed during the upload of execution ${upload.executionId}`);
	await upload.worker.start();

	// Start Inference with two videos: the first job starts, the second request never gets an answer.
	stack.emulator.addFault({ match: { endpoint: 'createJob' }, times: 1, fault: { type: 'delay', ms: 1 } });
	stack.emulator.addFault({ match: { endpoint: 'createJob' }, times: 1, fault: { type: 'hang' } });
	const jobsBefore = new Set(stack.emulator.jobs().map((j) => j.id));
	const startWorkflow = await deploy(startTwoJobsWorkflow('queue kill during start', 'queue-kill-start', stack.credential));
	const answer = await stack.n8n.callWebhook('queue-kill-start', 'POST', { urls: scenario1InputUrls.length === 2 ? scenario1InputUrls : [stack.emulator.storageUrl, stack.emulator.storageUrl] });
	expect(answer.status).toBe(200);
	await waitFor('the second job request to hang', async () => (stack.emulator.requests.some((r) => r.endpoint === 'createJob' && r.fault === 'hang') ? true : undefined), { timeoutMs: 60_000, everyMs: 200 });
	const start = await workerRunning(startWorkflow);
	const startedJob = stack.emulator.jobs().find((j) => !jobsBefore.has(j.id));
	expect(startedJob).toBeDefined();
	// The line Start Inference writes as soon as Roboflow answers, before the worker dies.
	const line = await waitFor(
		'the "Roboflow job started" line in the worker log',
		async () => fs.readFileSync(start.worker.logFile, 'utf8').split('\n').find((l) => l.includes(`Roboflow job started: job_id=${startedJob!.id}`)),
		{ timeoutMs: 10_000, everyMs: 200 },
	);
	await start.worker.kill();
	log(`scenario 4: ${start.worker.name} SIGKILLed during Start Inference of execution ${start.executionId}, after job ${startedJob!.id} started`);
	await start.worker.start();

	// What the user sees once n8n gives up on the two executions (Bull does not retry a dead worker's job).
	const [uploadRun, startRun] = await Promise.all(
		[upload.executionId, start.executionId].map((id) =>
			stack.n8n.api.waitForExecution(id, { timeoutMs: 6 * MINUTE, includeData: true, until: (e) => !['new', 'running', 'waiting'].includes(e.status) }),
		),
	);
	for (const [what, run] of [
		['upload', uploadRun],
		['start', startRun],
	] as const) {
		log(`scenario 4: killed during ${what}: the user sees status "${run.status}", finished ${run.finished}, error: ${runError(run)}`);
		expect(['crashed', 'error']).toContain(run.status);
		expect(run.finished).toBe(false);
	}
	log(`scenario 4: the orphaned job is in ${path.basename(path.dirname(start.worker.logFile))}'s log: ${line.trim()}`);
	expect(line).not.toContain(stack.apiKey);
	// Nothing retried either run: one upload besides scenario 1's (the one that hung), and one job
	// from the killed Start Inference (a request that never got an answer starts none).
	expect(stack.emulator.requests.filter((r) => r.endpoint === 'upload')).toHaveLength(RUNS + 1);
	expect(stack.emulator.jobs().filter((j) => !jobsBefore.has(j.id)).map((j) => j.id)).toEqual([startedJob!.id]);
}, 15 * MINUTE);

test('5. binary data: in database mode Upload Video refuses an over-limit file before reading it and uploads a small one; in filesystem mode a 1 GiB file uploads from a worker with flat memory', async () => {
	stack.emulator.clearFaults();
	const overLimit = path.join(stack.filesDir, 'over-limit.mp4');
	fs.writeFileSync(overLimit, '');
	fs.truncateSync(overLimit, 300 * 1024 * 1024); // over the 256 MiB n8n can read back from PostgreSQL
	const small = path.join(stack.filesDir, 'small.mp4');
	fs.copyFileSync(SAMPLE_VIDEO, small);

	const uploadsBefore = stack.emulator.requests.filter((r) => r.endpoint === 'upload').length;
	const refusedWorkflow = await deploy(uploadFileWorkflow('queue database over limit', 'queue-db-over', stack.credential, overLimit));
	const smallWorkflow = await deploy(uploadFileWorkflow('queue database small', 'queue-db-small', stack.credential, small));
	await stack.n8n.callWebhook('queue-db-over', 'POST', {});
	await stack.n8n.callWebhook('queue-db-small', 'POST', {});
	const ended = (workflowId: string) =>
		waitFor(
			`workflow ${workflowId} to end`,
			async () => {
				const [e] = await executionIdsOf(stack.postgres, workflowId);
				return e && !['new', 'running', 'waiting'].includes(e.status) ? stack.n8n.api.getExecution(e.id, true) : undefined;
			},
			{ timeoutMs: 5 * MINUTE, everyMs: 1000 },
		);
	const [refused, uploaded] = await Promise.all([ended(refusedWorkflow), ended(smallWorkflow)]);
	const refusal = runError(refused);
	log(`scenario 5, database mode, 300 MiB file: status "${refused.status}", error: ${refusal}`);
	expect(refused.status).toBe('error');
	expect(refusal).toContain('binary data mode');
	expect(refusal).toContain('N8N_DEFAULT_BINARY_DATA_MODE=filesystem');
	expect(uploaded.status).toBe('success');
	expect(storedOutput(uploaded, 'Upload Video')[0]).toMatchObject({ size_bytes: fs.statSync(small).size });
	// The refused file never went out; the small one did, once.
	const uploads = stack.emulator.requests.filter((r) => r.endpoint === 'upload').slice(uploadsBefore);
	expect(uploads).toHaveLength(1);
	fs.rmSync(overLimit);

	log('scenario 5: restarting main and workers with N8N_DEFAULT_BINARY_DATA_MODE=filesystem');
	await stack.restartN8n({ binaryDataMode: 'filesystem' });
	const big = path.join(stack.filesDir, 'one-gib.mp4');
	fs.writeFileSync(big, '');
	fs.truncateSync(big, 1024 ** 3);
	const bigWorkflow = await deploy(uploadFileWorkflow('queue filesystem 1 GiB', 'queue-fs-big', stack.credential, big));
	const samplers = stack.workers.map((w) => ({ worker: w, sampler: watchRss(w.pid!, 200) }));
	const uploadStarted = Date.now();
	await stack.n8n.callWebhook('queue-fs-big', 'POST', {});
	const bigRun = await ended(bigWorkflow);
	const took = Date.now() - uploadStarted;
	const memory = samplers.map(({ worker, sampler }) => ({ worker, ...sampler.stop() }));
	const ranOn = stack.workerOf(bigRun.id);
	expect(bigRun.status).toBe('success');
	expect(storedOutput(bigRun, 'Upload Video')[0]).toMatchObject({ size_bytes: 1024 ** 3 });
	for (const m of memory) {
		log(`scenario 5, filesystem mode, 1 GiB read from disk and uploaded in ${seconds(took)}: ${m.worker.name}${m.worker === ranOn ? ' (ran it)' : ''} RSS ${mib(m.baselineBytes)} before, peak ${mib(m.peakBytes)} (+${mib(m.growthBytes)}; sampled and VmHWM)`);
	}
	const ran = memory.find((m) => m.worker === ranOn)!;
	expect(ran).toBeDefined();
	// Flat: the 1 GiB never sits in the worker's memory (n8n's notes: +40 MB for a streamed upload).
	expect(ran.growthBytes).toBeLessThan(200 * 1024 * 1024);
	fs.rmSync(big);
}, 20 * MINUTE);
