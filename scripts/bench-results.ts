/**
 * Benchmark (not a test): Get Status with Download Results, per output format, on results files
 * of 29 MB to 1.58 GB, against a bare `JSON.parse` of the same file measured in the same run.
 *
 * Files (test/harness/results-files.ts; generated once, cached under ROBOFLOW_VIDEO_CACHE):
 *   29mb    1 h at 5 fps, detection (18,000 frames)
 *   174mb   1 h at 30 fps, detection (108,000 frames, ~10 boxes)
 *   507mb   315,000 frames, detection
 *   1.58gb  1 h at 30 fps, instance segmentation (60-point polygons): past V8's longest string,
 *           so a bare JSON.parse cannot be done at all (the row says so)
 *
 * Rows per file, each case in its own child process (node --expose-gc), timed with hrtime, peak
 * memory growth = VmHWM at the end minus RSS at the start of the case (VmHWM reset to the RSS
 * then; a sampler inside the process could not run during a synchronous parse):
 *   bare          the file read as one string + JSON.parse
 *   summary, binary, window (One Item per Frame, From Second 1200 To Second 1800: 10 minutes),
 *   raw, perFrame  Get Status run in-process (n8n-core, test/harness/in-process-n8n.ts) against
 *                 the emulator (its own process) serving the file; a refusal by the node is the
 *                 row's outcome
 * and `real n8n` rows on the 174 MB file (summary, binary, window): a fresh n8n 2.41.1 per case,
 * Manual Trigger -> Start Inference -> Get Status, wall time from the start request to the
 * finished execution (download included), n8n's peak RSS growth sampled from outside.
 *
 *   npm run bench:results
 *   BENCH_RESULTS_FILES=174mb npm run bench:results
 *   BENCH_RESULTS_FILES=29mb,174mb BENCH_RESULTS_ROWS=bare,summary,real npm run bench:results
 *
 * Env: BENCH_RESULTS_FILES (29mb,174mb,507mb,1.58gb), BENCH_RESULTS_ROWS (bare, summary,
 * binary, window, raw, perFrame, real; all by default), BENCH_RESULTS_RUNS (1: runs of each
 * case; the median time and CPU and the largest growth are shown), BENCH_RESULTS_TIMEOUT_S (900
 * a case), BENCH_RESULTS_TRACKING (off: the Summary rows with Track Objects off), BENCH_N8N_NODE_OPTIONS (NODE_OPTIONS for the real n8n, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to see where its time goes; n8n writes the profile when it stops). Besides wall time each row shows CPU time (user + system of the measured process),
 * which other work on the machine moves far less; the targets are on wall time.
 *
 * Targets (checked when their rows ran; exit 1 when one is missed):
 *   174mb Summary in-process at most 1.2x the bare parse time; in real n8n at most 1.5x;
 *   174mb Summary peak memory growth at most 128 MiB (in-process and in real n8n);
 *   1.58gb Summary and Binary File succeed with peak growth at most 256 MiB;
 *   174mb One Item per Frame with a 10-minute window works in real n8n.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureN8nInstalled, ensureResultsFile, HarnessSetupError, MIB, mib, procStatusBytes, RESULTS_FILE_PRESET_NAMES, resetPeakRss, type Log, type ResultsFileInfo, type ResultsFilePreset } from '../test/harness';
import { createEmulatorJob, startEmulatorProcess, startVideoServer, type EmulatorProcess } from './bench/emulator-process';
import { describeCheckout, packNode } from './bench/pack-node';
import { runRealN8nCase } from './bench/real-n8n-case';

const API_KEY = 'bench-results-key-0123456789';
/** V8's longest string, in UTF-16 code units (2^29 - 24). */
const V8_MAX_STRING = 536_870_888;
const WINDOW = { fromSeconds: 1200, toSeconds: 1800 };

const IN_PROCESS = ['summary', 'binary', 'window', 'raw', 'perFrame'] as const;
type InProcessRow = (typeof IN_PROCESS)[number];
const ROWS = ['bare', ...IN_PROCESS, 'real'] as const;
type RowName = (typeof ROWS)[number];
const REAL_ROWS: InProcessRow[] = ['summary', 'binary', 'window'];
const REAL_FILE: ResultsFilePreset = '174mb';

const ROW_LABEL: Record<InProcessRow, string> = {
	summary: 'Summary',
	binary: 'Binary File',
	window: 'One Item per Frame, 10 min window',
	raw: 'Raw',
	perFrame: 'One Item per Frame (all)',
};

function getStatusParameters(row: InProcessRow): Record<string, unknown> {
	switch (row) {
		case 'summary':
			// Track Objects is on by default; BENCH_RESULTS_TRACKING=off shows what tracking costs.
			return process.env.BENCH_RESULTS_TRACKING === 'off' ? { output: 'summary', resultOptions: { trackObjects: false } } : { output: 'summary' };
		case 'binary':
			return { output: 'binary', outputBinaryField: 'data' };
		case 'window':
			return { output: 'perFrame', resultOptions: { ...WINDOW } };
		case 'raw':
			return { output: 'raw' };
		case 'perFrame':
			return { output: 'perFrame' };
	}
}

/** What a measured case reports (one JSON line from the child, or from the real-n8n runner). */
interface Measured {
	ok: boolean;
	/** What came out, or why not (the node's message, the parse error). */
	outcome: string;
	ms?: number;
	/** CPU time of the measured process (user + system, GC threads included): less moved by other work on the machine. */
	cpuMs?: number;
	growthBytes?: number;
	/** How many runs the figures are the median (time) and maximum (growth) of. */
	runs?: number;
}

// ---------------------------------------------------------------------------------------------
// The child side: one case, measured inside its own process.

const RESULT_PREFIX = 'BENCH-RESULT ';

function report(measured: Measured): void {
	process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(measured)}\n`);
}

function startMeasuring(): () => { ms: number; cpuMs: number; growthBytes: number } {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('Run with node --expose-gc (the benchmark starts its cases so).');
	gc();
	gc();
	const baseline = procStatusBytes('self', 'VmRSS')!;
	// VmHWM back to the RSS now, so an earlier peak of this process (the warm-up) does not count.
	if (!resetPeakRss('self')) throw new Error('cannot reset VmHWM (/proc/self/clear_refs): the peak would include earlier ones');
	const cpu = process.cpuUsage();
	const started = process.hrtime.bigint();
	return () => {
		const ms = Number(process.hrtime.bigint() - started) / 1e6;
		const used = process.cpuUsage(cpu);
		const peak = Math.max(procStatusBytes('self', 'VmHWM') ?? 0, procStatusBytes('self', 'VmRSS') ?? 0);
		return { ms, cpuMs: (used.user + used.system) / 1000, growthBytes: peak - baseline };
	};
}

function bareParse(file: string): void {
	const stop = startMeasuring();
	let outcome: string;
	let ok = true;
	try {
		const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown[]>;
		outcome = `${parsed.frame_offset.length.toLocaleString('en-US')} frames`;
	} catch (error) {
		ok = false;
		outcome = `impossible: ${(error as Error).message}`;
	}
	report({ ok, outcome, ...stop() });
}

async function inProcess(row: InProcessRow, apiUrl: string, videoUrl: string): Promise<void> {
	const { runWorkflow, SOURCE_NODE_TYPE, ROBOFLOW_NODE_TYPE } = await import('../test/harness/in-process-n8n');
	try {
		const emulator = { apiUrl, apiKey: API_KEY } as EmulatorProcess;
		const jobId = await createEmulatorJob(emulator, videoUrl);
		const workflow = (parameters: Record<string, unknown>) => ({
			nodes: [
				{ id: 's', name: 'Source', type: SOURCE_NODE_TYPE, typeVersion: 1, position: [0, 0] as [number, number], parameters: { items: JSON.stringify([{ job_id: jobId }]) } },
				{
					id: 'g',
					name: 'Get Status',
					type: ROBOFLOW_NODE_TYPE,
					typeVersion: 1,
					position: [200, 0] as [number, number],
					parameters: { operation: 'getStatus', jobId: '={{ $json.job_id }}', ...parameters },
					credentials: { roboflowApi: { id: 'c', name: 'bench' } },
				},
			],
			connections: { Source: { main: [[{ node: 'Get Status', type: 'main' as const, index: 0 }]] } },
		});
		const credentials = { roboflowApi: { apiKey: API_KEY, baseUrl: apiUrl } };
		// Warm-up: the same node and n8n-core paths, without the download.
		const warmUp = await runWorkflow(workflow({ downloadResults: false }), { credentials });
		if (warmUp.error) throw new Error(`warm-up failed: ${warmUp.error.message}`);

		const stop = startMeasuring();
		const result = await runWorkflow(workflow({ downloadResults: true, ...getStatusParameters(row) }), { credentials });
		const measured = stop();
		if (result.error) {
			// "Item 1: job <id>: " says nothing here; a refusal reads as one.
			const message = result.error.message.replace(/^Item \d+: job [^:]+: /, '');
			report({ ok: false, outcome: `${/would put about/.test(message) ? 'refused' : 'error'}: ${message}`.slice(0, 300), ...measured });
			return;
		}
		const items = result.output('Get Status')[0] ?? [];
		const first = items[0]?.json ?? {};
		let outcome = `${items.length.toLocaleString('en-US')} item${items.length === 1 ? '' : 's'}`;
		if (row === 'summary' && typeof first.frames_inferred === 'number') outcome += `, ${first.frames_inferred.toLocaleString('en-US')} frames inferred`;
		if (row === 'binary' && typeof first.size_bytes === 'number') outcome += `, ${mib(first.size_bytes, 1)} file`;
		report({ ok: true, outcome, ...measured });
	} finally {
		rmSync(process.env.N8N_USER_FOLDER!, { recursive: true, force: true });
	}
}

// ---------------------------------------------------------------------------------------------
// The parent side: files, the emulator, one child per case, the table and the verdicts.

const started = Date.now();
const log: Log = (line) => process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)}s  ${line}\n`);

function runChild(args: string[], timeoutMs: number): Promise<Measured> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
		child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
			if (line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Measured);
			const why = signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `exited ${signal ?? code}`;
			const tail = (stderr.trim().split('\n').filter(Boolean).pop() ?? '').slice(0, 200);
			resolve({ ok: false, outcome: `crashed (${why})${tail ? `: ${tail}` : ''}` });
		});
	});
}

const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Runs a case `runs` times: the median time and CPU, the largest growth; the first failure if one fails. */
async function repeated(runs: number, once: () => Promise<Measured>): Promise<Measured> {
	const all: Measured[] = [];
	for (let i = 0; i < runs; i++) {
		const measured = await once();
		if (!measured.ok) return { ...measured, runs: i + 1 };
		all.push(measured);
	}
	const numbers = (pick: (m: Measured) => number | undefined) => all.map(pick).filter((v): v is number => v !== undefined);
	const ms = numbers((m) => m.ms);
	const cpu = numbers((m) => m.cpuMs);
	const growth = numbers((m) => m.growthBytes);
	return {
		ok: true,
		outcome: all[all.length - 1].outcome,
		ms: ms.length ? median(ms) : undefined,
		cpuMs: cpu.length ? median(cpu) : undefined,
		growthBytes: growth.length ? Math.max(...growth) : undefined,
		runs,
	};
}

interface TableRow {
	file: ResultsFileInfo;
	row: RowName | `real ${InProcessRow}`;
	label: string;
	measured: Measured;
}

const cell = (value: string | undefined): string => value ?? '';

function ratio(value: number | undefined, base: number | undefined): string {
	return value === undefined || base === undefined || !(base > 0) ? '' : `${(value / base).toFixed(2)}x`;
}

function printTables(rows: TableRow[], files: ResultsFileInfo[], source: string, runs: number): void {
	console.log(`\nResults benchmark: node from ${source}; Node ${process.version}; ${runs} run${runs === 1 ? '' : 's'} a case (median time and CPU, largest growth)`);
	console.log('time: wall (hrtime; real n8n: start request to finished execution); cpu: the measured process\'s user + system time;');
	console.log('peak growth: VmHWM (reset at the start) - RSS at the start; real n8n: n8n\'s RSS sampled from outside every 50 ms and its VmHWM');
	for (const file of files) {
		const mine = rows.filter((r) => r.file === file);
		if (!mine.length) continue;
		const bare = mine.find((r) => r.row === 'bare' && r.measured.ok)?.measured;
		console.log(`\n${file.name}: ${file.label}, ${(file.bytes / 1e6).toFixed(1)} MB (${file.bytes.toLocaleString('en-US')} bytes)`);
		const header = ['case', 'outcome', 'time', 'x bare', 'cpu', 'x bare', 'peak growth', 'x bare'];
		const lines = mine.map((r) => [
			r.label,
			r.measured.outcome,
			r.measured.ms === undefined ? '' : `${(r.measured.ms / 1000).toFixed(2)} s`,
			r.row === 'bare' ? '' : ratio(r.measured.ms, bare?.ms),
			r.measured.cpuMs === undefined ? '' : `${(r.measured.cpuMs / 1000).toFixed(2)} s`,
			r.row === 'bare' ? '' : ratio(r.measured.cpuMs, bare?.cpuMs),
			r.measured.growthBytes === undefined ? '' : mib(r.measured.growthBytes),
			r.row === 'bare' ? '' : ratio(r.measured.growthBytes, bare?.growthBytes),
		]);
		const widths = header.map((h, i) => Math.min(110, Math.max(h.length, ...lines.map((l) => cell(l[i]).length))));
		const format = (cells: string[]) => `| ${cells.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join(' | ')} |`;
		console.log(format(header));
		console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
		for (const line of lines) console.log(format(line));
	}
}

interface Verdict {
	target: string;
	ok: boolean;
	seen: string;
}

function verdicts(rows: TableRow[]): Verdict[] {
	const find = (file: ResultsFilePreset, row: TableRow['row']) => rows.find((r) => r.file.name === file && r.row === row)?.measured;
	const out: Verdict[] = [];
	const bare = find('174mb', 'bare');
	const timeTarget = (row: TableRow['row'], limit: number, what: string): void => {
		const m = find('174mb', row);
		if (!m) return;
		if (!bare?.ok || bare.ms === undefined) {
			out.push({ target: what, ok: false, seen: 'no bare parse of the 174 MB file in this run to compare with' });
			return;
		}
		const x = m.ok && m.ms !== undefined ? m.ms / bare.ms : Infinity;
		out.push({ target: what, ok: x <= limit, seen: m.ok ? `${(m.ms! / 1000).toFixed(2)} s = ${x.toFixed(2)}x the bare parse (${(bare.ms / 1000).toFixed(2)} s)` : m.outcome });
	};
	const memoryTarget = (file: ResultsFilePreset, row: TableRow['row'], limitMib: number, what: string): void => {
		const m = find(file, row);
		if (!m) return;
		const ok = m.ok && m.growthBytes !== undefined && m.growthBytes <= limitMib * MIB;
		out.push({ target: what, ok, seen: m.ok ? `${mib(m.growthBytes)} (${m.outcome})` : m.outcome });
	};
	timeTarget('summary', 1.2, '174mb Summary in-process: time <= 1.2x bare parse');
	timeTarget('real summary', 1.5, '174mb Summary in real n8n: time <= 1.5x bare parse (download included)');
	memoryTarget('174mb', 'summary', 128, '174mb Summary in-process: peak growth <= 128 MiB');
	memoryTarget('174mb', 'real summary', 128, '174mb Summary in real n8n: peak growth <= 128 MiB');
	memoryTarget('1.58gb', 'summary', 256, '1.58gb Summary succeeds, peak growth <= 256 MiB');
	memoryTarget('1.58gb', 'binary', 256, '1.58gb Binary File succeeds, peak growth <= 256 MiB');
	const window = find('174mb', 'real window');
	if (window) out.push({ target: '174mb One Item per Frame, 10-minute window, works in real n8n', ok: window.ok, seen: window.outcome });
	return out;
}

function list<T extends string>(value: string | undefined, all: readonly T[], name: string): T[] {
	const chosen = (value ?? all.join(','))
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);
	const unknown = chosen.filter((v) => !all.includes(v as T));
	if (unknown.length) throw new Error(`${name} may hold ${all.join(', ')}; not ${unknown.join(', ')}`);
	return chosen as T[];
}

async function main(): Promise<void> {
	const presets = list(process.env.BENCH_RESULTS_FILES, RESULTS_FILE_PRESET_NAMES, 'BENCH_RESULTS_FILES');
	const wanted = list(process.env.BENCH_RESULTS_ROWS, ROWS, 'BENCH_RESULTS_ROWS');
	const timeoutMs = Number(process.env.BENCH_RESULTS_TIMEOUT_S ?? 900) * 1000;
	const runs = Number(process.env.BENCH_RESULTS_RUNS ?? 1);
	if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RESULTS_RUNS must be a whole number >= 1, not ${process.env.BENCH_RESULTS_RUNS}`);

	const files: ResultsFileInfo[] = [];
	for (const preset of presets) files.push(await ensureResultsFile(preset, { log }));
	const emulator = await startEmulatorProcess({ apiKey: API_KEY });
	const video = await startVideoServer();
	const work = mkdtempSync(join(tmpdir(), 'rf-bench-results-'));
	const rows: TableRow[] = [];
	let source: string;
	try {
		source = describeCheckout();
		for (const file of files) {
			if (wanted.includes('bare')) {
				log(`${file.name}: bare JSON.parse...`);
				const measured = await repeated(runs, () => runChild(['--case', 'bare', '--file', file.path], timeoutMs));
				if (!measured.ok && file.bytes > V8_MAX_STRING) measured.outcome = `impossible: ${file.bytes.toLocaleString('en-US')} bytes is longer than V8's longest string (${V8_MAX_STRING.toLocaleString('en-US')}); ${measured.outcome.replace(/^impossible: /, '')}`;
				rows.push({ file, row: 'bare', label: 'bare: read as one string + JSON.parse', measured });
				log(`  ${measured.outcome}`);
			}
			await emulator.serveResultsFile(file.path);
			for (const row of IN_PROCESS.filter((r) => wanted.includes(r))) {
				log(`${file.name}: ${ROW_LABEL[row]} in-process...`);
				const measured = await repeated(runs, () => runChild(['--case', 'inProcess', '--row', row, '--api-url', emulator.apiUrl, '--video-url', video.videoUrl], timeoutMs));
				rows.push({ file, row, label: `${ROW_LABEL[row]} (in-process)`, measured });
				log(`  ${measured.outcome}`);
			}
			if (wanted.includes('real') && file.name === REAL_FILE) {
				const install = await ensureN8nInstalled({ log });
				const packed = packNode(undefined, work, log);
				source = packed.source;
				for (const row of REAL_ROWS) {
					log(`${file.name}: ${ROW_LABEL[row]} in a fresh real n8n...`);
					const measured = await repeated(runs, async () => {
						try {
							const r = await runRealN8nCase({ install, tarball: packed.tarball, emulator, videoUrl: video.videoUrl, log }, { resultsFile: file.path, getStatus: getStatusParameters(row), timeoutMs });
							return {
								ok: r.outcome === 'success',
								outcome: r.outcome === 'success' ? `success (n8n's own time ${r.n8nMs === undefined ? '?' : `${(r.n8nMs / 1000).toFixed(2)} s`}; RSS before ${mib(r.baselineRss)})` : `${r.outcome}: ${r.detail ?? ''}`,
								ms: r.wallMs,
								cpuMs: r.cpuMs,
								growthBytes: r.growthRss,
							};
						} catch (error) {
							return { ok: false, outcome: `harness failure: ${(error as Error).message.slice(0, 200)}` };
						}
					});
					rows.push({ file, row: `real ${row}`, label: `real n8n: ${ROW_LABEL[row]}`, measured });
					log(`  ${measured.outcome}`);
				}
			}
		}
	} finally {
		await video.close();
		await emulator.stop();
		rmSync(work, { recursive: true, force: true });
	}
	printTables(rows, files, source, runs);
	const checked = verdicts(rows);
	if (checked.length) {
		console.log('\nTargets');
		for (const v of checked) console.log(`  ${v.ok ? 'ok    ' : 'MISSED'}  ${v.target}: ${v.seen}`);
	}
	if (checked.some((v) => !v.ok)) process.exitCode = 1;
}

function argument(name: string): string {
	const at = process.argv.indexOf(`--${name}`);
	const value = at === -1 ? undefined : process.argv[at + 1];
	if (value === undefined) throw new Error(`--${name} is missing`);
	return value;
}

async function child(): Promise<void> {
	const which = argument('case');
	if (which === 'bare') return bareParse(argument('file'));
	if (which === 'inProcess') return await inProcess(argument('row') as InProcessRow, argument('api-url'), argument('video-url'));
	throw new Error(`unknown --case ${which}`);
}

(process.argv.includes('--case') ? child() : main()).then(
	// Exit at once: after a real n8n has been started and stopped, something in this process
	// keeps it alive for another 40-60 s without any handle to show for it.
	() => process.exit(process.exitCode ?? 0),
	(error) => {
		console.error(error instanceof HarnessSetupError ? error.message : error);
		process.exit(1);
	},
);
