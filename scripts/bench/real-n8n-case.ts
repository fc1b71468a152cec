/**
 * One measured case in a real n8n: a fresh n8n (its own user folder, this package installed
 * from a tarball), the workflow Manual Trigger -> Start Inference (Video URL) -> Get Status
 * (Download Results on, the given output), started as the editor's Execute Workflow button does
 * (POST /rest/workflows/<id>/run), against an emulator process serving a results file.
 *
 * Measured from outside n8n: wall time from the start request until n8n reports the execution
 * ended (download, items, save: everything), and n8n's peak RSS growth over its RSS just before
 * (sampled every 50 ms, and its VmHWM reset at the start). A warm-up run on the emulator's own
 * small results loads the node first. Then, with the measurement over: the output items' JSON
 * size (read back through the public API) and the size of the execution data n8n saved (SQLite).
 *
 * How a case ends: `success`, `error` (the execution failed: its message), `stuck running`
 * (still running at the time-out, e.g. after a save that failed), `crashed` (n8n died).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { installCommunityPackage, NODE_TYPE, startN8n, watchRss, type ExecutionSummary, type Log, type N8nInstallation, type N8nInstance } from '../../test/harness';
import type { EmulatorProcess } from './emulator-process';

export interface RealN8nSetup {
	install: N8nInstallation;
	tarball: string;
	emulator: EmulatorProcess;
	videoUrl: string;
	log: Log;
}

export interface RealN8nCase {
	/** Get Status parameters besides operation, jobId and downloadResults (output, resultOptions, ...). */
	getStatus: Record<string, unknown>;
	/** The file the emulator serves for the measured run. */
	resultsFile: string;
	timeoutMs: number;
	/** Read the output back through the public API to size it (costly for large outputs). */
	sizeOutput?: boolean;
	/** Keep n8n's user folder (log, database) after the case. */
	keep?: boolean;
}

export type Outcome = 'success' | 'error' | 'stuck running' | 'crashed';

export interface RealN8nResult {
	outcome: Outcome;
	/** The execution's error, or why n8n crashed (from its log), or what was seen while stuck. */
	detail?: string;
	wallMs: number;
	/** startedAt..stoppedAt as n8n recorded them. */
	n8nMs?: number;
	baselineRss: number;
	peakRss: number;
	growthRss: number;
	/** CPU time n8n's main process used during the run (user + system). */
	cpuMs?: number;
	items?: number;
	itemsJsonBytes?: number;
	/** Why the output could not be sized, when it could not. */
	itemsNote?: string;
	savedBytes?: number;
	/**
	 * Whether n8n would show the execution's data (editor, API): n8n 2.41 leaves out the data of
	 * an execution larger than EXECUTIONS_DATA_MAX_DISPLAY_SIZE (100 MiB) and says so instead.
	 */
	displayed?: boolean;
	userFolder: string;
}

const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function manualWorkflow(name: string, videoUrl: string, credential: { id: string; name: string }, getStatus: Record<string, unknown>) {
	const credentials = { roboflowApi: credential };
	return {
		name,
		nodes: [
			{ id: 'trigger', name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'start',
				name: 'Start Inference',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				credentials,
				parameters: {
					operation: 'startInference',
					videoUrl,
					inferFps: 2,
					models: { model: [{ model: { __rl: true, mode: 'id', value: 'rock-paper-scissors-presentation/4' }, inferenceType: 'object-detection' }] },
				},
			},
			{
				id: 'status',
				name: 'Get Status',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [440, 0],
				credentials,
				parameters: { operation: 'getStatus', jobId: '={{ $json.job_id }}', downloadResults: true, ...getStatus },
			},
		],
		connections: {
			'Manual Trigger': { main: [[{ node: 'Start Inference', type: 'main', index: 0 }]] },
			'Start Inference': { main: [[{ node: 'Get Status', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

async function startRun(n8n: N8nInstance, workflowId: string): Promise<string> {
	const answer = await n8n.rest.request<{ executionId?: string; waitingForWebhook?: boolean }>('POST', `/workflows/${workflowId}/run`, {
		triggerToStartFrom: { name: 'Manual Trigger' },
	});
	if (!answer?.executionId) throw new Error(`n8n did not start the workflow: ${JSON.stringify(answer)}`);
	return String(answer.executionId);
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** The lines of n8n's log that say why it failed (heap, string length), newest last. */
function telltaleLines(logFile: string): string | undefined {
	if (!existsSync(logFile)) return undefined;
	const lines = readFileSync(logFile, 'utf8').split('\n');
	const found = lines.filter((line) => /heap out of memory|Invalid string length|Cannot create a string longer|FATAL ERROR|RangeError|ERR_STRING_TOO_LONG|Allocation failed/i.test(line));
	return found.length ? [...new Set(found.map((line) => line.trim().slice(0, 200)))].slice(-3).join(' | ') : undefined;
}

async function waitForEnd(n8n: N8nInstance, pid: number, executionId: string, timeoutMs: number): Promise<{ outcome: Outcome; execution?: ExecutionSummary; detail?: string }> {
	const deadline = Date.now() + timeoutMs;
	let last: ExecutionSummary | undefined;
	let telltaleSince: number | undefined;
	while (Date.now() < deadline) {
		if (!alive(pid)) return { outcome: 'crashed', detail: telltaleLines(n8n.logFile) ?? 'n8n exited' };
		try {
			last = await n8n.api.getExecution(executionId);
			if (TERMINAL.has(last.status)) return { outcome: last.status === 'success' ? 'success' : last.status === 'crashed' ? 'crashed' : 'error', execution: last };
		} catch {
			// 404 before n8n has stored it, or n8n too busy to answer: ask again.
		}
		// A failed save leaves the execution "running" for ever: give up 30 s after n8n logged why.
		const telltale = telltaleLines(n8n.logFile);
		if (telltale) {
			telltaleSince ??= Date.now();
			if (Date.now() - telltaleSince > 30_000) return { outcome: 'stuck running', execution: last, detail: telltale };
		}
		await sleep(200);
	}
	return { outcome: 'stuck running', execution: last, detail: `still ${last?.status ?? 'unknown'} after ${Math.round(timeoutMs / 1000)} s${telltaleLines(n8n.logFile) ? `; log: ${telltaleLines(n8n.logFile)}` : ''}` };
}

function savedDataBytes(userFolder: string, executionId: string): number | undefined {
	const database = join(userFolder, '.n8n', 'database.sqlite');
	if (!existsSync(database)) return undefined;
	try {
		const out = execFileSync('sqlite3', ['-readonly', database, `SELECT length(CAST(data AS BLOB)) FROM execution_data WHERE executionId = ${Number(executionId)};`], {
			encoding: 'utf8',
			timeout: 60_000,
		}).trim();
		return out ? Number(out) : undefined;
	} catch {
		return undefined;
	}
}

function errorOf(execution: ExecutionSummary | undefined): string | undefined {
	const error = execution?.data?.resultData?.error as { message?: string; description?: string } | undefined;
	if (!error) return undefined;
	return [error.message, error.description].filter(Boolean).join(' — ').slice(0, 400);
}

/** Runs one case in its own fresh n8n, stops that n8n, and says how it went. */
export async function runRealN8nCase(setup: RealN8nSetup, c: RealN8nCase): Promise<RealN8nResult> {
	const { install, tarball, emulator, videoUrl, log } = setup;
	const userFolder = join(mkdtempSync(join(tmpdir(), 'rf-measure-')), 'n8n-user');
	await installCommunityPackage(tarball, userFolder, install.n8nRoot, { log: () => {} });
	const n8n = await startN8n({ userFolder, log: () => {}, env: { EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true', ...(process.env.BENCH_N8N_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_N8N_NODE_OPTIONS } : {}) } });
	const pid = n8n.pid!;
	try {
		const credential = { id: await n8n.api.createCredential('roboflowApi', 'Roboflow (emulator)', { apiKey: emulator.apiKey, baseUrl: emulator.apiUrl }), name: 'Roboflow (emulator)' };
		const workflowId = await n8n.api.createWorkflow(manualWorkflow('measure', videoUrl, credential, c.getStatus));

		// Warm-up on the emulator's own small results: the node's code is loaded before measuring.
		await emulator.serveResultsFile(null);
		const warmUp = await waitForEnd(n8n, pid, await startRun(n8n, workflowId), 60_000);
		if (warmUp.outcome !== 'success') throw new Error(`the warm-up run ended ${warmUp.outcome}: ${warmUp.detail ?? errorOf(await n8n.api.getExecution(warmUp.execution!.id, true))}`);
		await emulator.serveResultsFile(c.resultsFile);
		await sleep(1000);

		const watch = watchRss(pid);
		const started = Date.now();
		const executionId = await startRun(n8n, workflowId);
		const end = await waitForEnd(n8n, pid, executionId, c.timeoutMs);
		const wallMs = Date.now() - started;
		const memory = watch.stop();
		const result: RealN8nResult = {
			outcome: end.outcome,
			detail: end.detail,
			wallMs,
			baselineRss: memory.baselineBytes,
			peakRss: memory.peakBytes,
			growthRss: memory.growthBytes,
			cpuMs: memory.cpuMs,
			userFolder,
		};
		if (end.execution?.startedAt && end.execution.stoppedAt) result.n8nMs = Date.parse(end.execution.stoppedAt) - Date.parse(end.execution.startedAt);
		log(`  ${end.outcome} in ${(wallMs / 1000).toFixed(1)} s; reading back what n8n stored...`);

		if (end.outcome === 'error' || end.outcome === 'success') {
			try {
				let full = await n8n.api.getExecution(executionId, true);
				result.displayed = full.dataTooLargeToDisplay !== true;
				if (!result.displayed && (end.outcome === 'error' || c.sizeOutput)) {
					full = await n8n.api.request<ExecutionSummary>('GET', `/executions/${encodeURIComponent(executionId)}?includeData=true&ignoreDataSizeLimit=true`);
				}
				if (end.outcome === 'error') result.detail = errorOf(full) ?? 'no error message stored';
				const runs = full.data?.resultData?.runData?.['Get Status'] as Array<{ data?: { main?: Array<Array<{ json: unknown }>> } }> | undefined;
				const items = runs?.[runs.length - 1]?.data?.main?.[0];
				if (items && c.sizeOutput) {
					result.items = items.length;
					let bytes = 2 + Math.max(0, items.length - 1);
					for (const item of items) bytes += Buffer.byteLength(JSON.stringify(item.json));
					result.itemsJsonBytes = bytes;
				}
			} catch (error) {
				result.itemsNote = `could not read it back: ${(error as Error).message.slice(0, 160)}`;
			}
		}
		if (end.outcome === 'crashed') return result;
		await n8n.stop({ timeoutMs: 60_000 }).catch(() => undefined);
		result.savedBytes = savedDataBytes(userFolder, executionId);
		return result;
	} finally {
		if (n8n.running) await n8n.kill().catch(() => undefined);
		if (!c.keep) rmSync(join(userFolder, '..'), { recursive: true, force: true });
	}
}
