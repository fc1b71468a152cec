/**
 * Measurement (not a test): how large an output One Item per Frame and Raw can hand a real n8n
 * before n8n fails to cope with its run data. It decides the size above which the node refuses
 * those outputs (nodes/RoboflowVideo/results/outputSize.ts).
 *
 * For each results file size and output: a fresh n8n 2.41.1 with this package installed, the
 * workflow Manual Trigger -> Start Inference (Video URL) -> Get Status (Download Results on),
 * against the emulator (its own process) serving a generated detection file of that size
 * (test/harness/results-files.ts, ~10 boxes a frame, cached). Printed per case: how it ended
 * (success; error and its message; stuck "running"; n8n crashed), wall time from the start
 * request to the end of the execution, n8n's peak RSS growth (sampled from here every 50 ms,
 * and n8n's VmHWM), the JSON size of the output items, and the execution data n8n saved.
 *
 *   npm run measure:run-data
 *   RUN_DATA_SIZES_MIB=16,32 RUN_DATA_OUTPUTS=perFrame npm run measure:run-data
 *   RUN_DATA_NODE_REF=ebb638c npm run measure:run-data   # the node as of a commit (git archive)
 *
 * Env: RUN_DATA_SIZES_MIB (default 16,32,64,128,256), RUN_DATA_OUTPUTS (perFrame,raw),
 * RUN_DATA_NODE_REF (default: this checkout as it is), RUN_DATA_TIMEOUT_S (600 per case),
 * RUN_DATA_SIZE_OUTPUT=0 (skip reading the output back), RUN_DATA_KEEP=1 (keep n8n's folders),
 * ROBOFLOW_VIDEO_CACHE (n8n install and generated files). A case takes 30 s to a few minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { detectionFramesForBytes, ensureDetectionResultsFile, ensureN8nInstalled, HarnessSetupError, MIB, mib, type Log } from '../test/harness';
import { startEmulatorProcess, startVideoServer } from './bench/emulator-process';
import { packNode } from './bench/pack-node';
import { runRealN8nCase, type RealN8nResult } from './bench/real-n8n-case';

const API_KEY = 'measure-run-data-key-0123456789';
const OUTPUTS = ['perFrame', 'raw'] as const;
type Output = (typeof OUTPUTS)[number];

const list = (value: string | undefined, fallback: string): string[] =>
	(value ?? fallback)
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);

const started = Date.now();
const log: Log = (line) => process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)}s  ${line}\n`);

interface Row {
	fileBytes: number;
	frames: number;
	output: Output;
	result?: RealN8nResult;
	failure?: string;
}

function seconds(ms: number | undefined): string {
	return ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

function printTable(rows: Row[], source: string): void {
	const header = ['file', 'frames', 'output', 'outcome', 'wall', 'n8n time', 'n8n RSS before', 'peak growth', 'items', 'items JSON', 'saved data', 'shown'];
	const lines = rows.map((row) => {
		const r = row.result;
		return [
			mib(row.fileBytes, 1),
			row.frames.toLocaleString('en-US'),
			row.output === 'perFrame' ? 'One Item per Frame' : 'Raw',
			r ? r.outcome : `harness failure`,
			seconds(r?.wallMs),
			seconds(r?.n8nMs),
			mib(r?.baselineRss),
			mib(r?.growthRss),
			r?.items === undefined ? 'n/a' : r.items.toLocaleString('en-US'),
			r?.itemsJsonBytes === undefined ? 'n/a' : mib(r.itemsJsonBytes, 1),
			r?.savedBytes === undefined ? 'n/a' : mib(r.savedBytes, 1),
			r?.displayed === undefined ? 'n/a' : r.displayed ? 'yes' : 'no',
		];
	});
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
	const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	console.log(`\nRun-data limit in a real n8n 2.41.1, node from ${source}; detection files, ~10 boxes a frame`);
	console.log('wall: start request to the end of the execution as n8n reports it (saved); n8n time: its startedAt..stoppedAt;');
	console.log('peak growth: n8n\'s RSS over its RSS before the run; saved data: execution_data.data in SQLite;');
	console.log('shown: whether n8n shows the execution\'s data (it leaves out executions over EXECUTIONS_DATA_MAX_DISPLAY_SIZE, 100 MiB);');
	console.log('stuck running: the execution never ends; its wall time is when this gave up (30 s after n8n logged why, or the time-out)');
	console.log(format(header));
	console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
	for (const line of lines) console.log(format(line));
	const notes = rows.filter((row) => row.failure || row.result?.detail || row.result?.itemsNote);
	if (notes.length) console.log('');
	for (const row of notes) {
		const what = `${mib(row.fileBytes, 1)} ${row.output}`;
		if (row.failure) console.log(`  ${what}: harness failure: ${row.failure}`);
		if (row.result?.detail) console.log(`  ${what}: ${row.result.outcome}: ${row.result.detail}`);
		if (row.result?.itemsNote) console.log(`  ${what}: items: ${row.result.itemsNote}`);
	}
}

async function main(): Promise<void> {
	const sizes = list(process.env.RUN_DATA_SIZES_MIB, '16,32,64,128,256').map(Number);
	if (sizes.some((s) => !(s > 0))) throw new Error(`RUN_DATA_SIZES_MIB must be sizes in MiB, e.g. 16,32,64; not ${process.env.RUN_DATA_SIZES_MIB}`);
	const outputs = list(process.env.RUN_DATA_OUTPUTS, OUTPUTS.join(',')) as Output[];
	const unknown = outputs.filter((o) => !OUTPUTS.includes(o));
	if (unknown.length) throw new Error(`RUN_DATA_OUTPUTS may hold ${OUTPUTS.join(', ')}; not ${unknown.join(', ')}`);
	const timeoutMs = Number(process.env.RUN_DATA_TIMEOUT_S ?? 600) * 1000;

	const install = await ensureN8nInstalled({ log });
	const work = mkdtempSync(join(tmpdir(), 'rf-measure-run-data-'));
	const { tarball, source } = packNode(process.env.RUN_DATA_NODE_REF || undefined, work, log);
	const files = [];
	for (const size of sizes) files.push(await ensureDetectionResultsFile(detectionFramesForBytes(size * MIB), { log }));

	const emulator = await startEmulatorProcess({ apiKey: API_KEY });
	const video = await startVideoServer();
	const rows: Row[] = [];
	try {
		for (const file of files) {
			for (const output of outputs) {
				const row: Row = { fileBytes: file.bytes, frames: file.spec.frames, output };
				rows.push(row);
				log(`${mib(file.bytes, 1)} (${file.spec.frames} frames), ${output}: fresh n8n...`);
				try {
					row.result = await runRealN8nCase(
						{ install, tarball, emulator, videoUrl: video.videoUrl, log },
						{ resultsFile: file.path, getStatus: { output }, timeoutMs, sizeOutput: process.env.RUN_DATA_SIZE_OUTPUT !== '0', keep: process.env.RUN_DATA_KEEP === '1' },
					);
					const r = row.result;
					log(`  ${r.outcome}: wall ${seconds(r.wallMs)}, peak RSS growth ${mib(r.growthRss)}, items JSON ${mib(r.itemsJsonBytes, 1)}, saved ${mib(r.savedBytes, 1)}${r.detail ? ` (${r.detail.slice(0, 200)})` : ''}`);
				} catch (error) {
					row.failure = (error as Error).message;
					log(`  harness failure: ${row.failure}`);
				}
			}
		}
	} finally {
		await video.close();
		await emulator.stop();
		rmSync(work, { recursive: true, force: true });
	}
	printTable(rows, source);
}

main().then(
	// Exit at once: after a real n8n has been started and stopped, something in this process
	// keeps it alive for another 40-60 s without any handle to show for it.
	() => process.exit(process.exitCode ?? 0),
	(error) => {
		console.error(error instanceof HarnessSetupError ? error.message : error);
		process.exit(1);
	},
);
