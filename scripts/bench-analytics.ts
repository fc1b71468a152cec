/**
 * Benchmark (not a test): the Summary's analytics (tracking, appearances, line and zone counts)
 * against scenes with ground truth by construction, then what analytics cost in time.
 *
 *   npm run bench:analytics
 *   BENCH_ANALYTICS_QUICK=1 npm run bench:analytics      # the short scenes of npm test
 *   BENCH_ANALYTICS_RUNS=11 npm run bench:analytics      # timing rounds (default 7: 3 gave CPU ratios from 1.10 to 1.42 on a busy 2-core machine)
 *   BENCH_ANALYTICS_TIMING=0 npm run bench:analytics     # quality only
 *   BENCH_ANALYTICS_OFF='{"tracking":false}' npm run bench:analytics   # the Result Options that turn analytics off
 *
 * 1. Quality. The four scenes of test/harness/analytics-scenes.ts (warehouse, road with a
 *    counting line, an hour at 1 fps, zone), each written as a results file, served by the
 *    emulator for a finished job and read by the node's Get Status (Download Results, Output
 *    Summary, the scene's Counting Line or Zone) in process. Per scene and class: truth, node,
 *    error, what naive counting gives (unique = detections, as the Summary's `detections`) and its
 *    error, and the verdict. Thresholds: unique objects within 10%, appearances (number, seconds
 *    present) and line crossings within 5%, peak count within 1 (zone: entered 10%, max inside 1,
 *    seconds occupied 5%).
 * 2. Time. The 1-hour 30 fps detection file (174 MB, test/harness/results-files.ts, cached after
 *    the first run), Summary with analytics and without, alternating, in this same run: wall time
 *    and this process's CPU time (the emulator is another process), and the ratios of the medians.
 *    Target: analytics add at most 30%, judged on CPU time, which other work on the machine moves
 *    far less than wall time. Without is whatever boolean Result Option
 *    of the node turns tracking off (found in the node's description by its name); when the node
 *    has none, only Summary as it is is timed, and the bench says so.
 *
 * Exits non-zero on any quality miss, or when analytics add more than 30%.
 * The emulator runs as its own process (test/emulator/cli.ts), stopped by its PID at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { IDataObject, INodeProperties, INodeType } from 'n8n-workflow';

import {
	analyticsScenes,
	ensureResultsFile,
	formatScoreTable,
	RESULTS_FILE_PRESETS,
	SAMPLE_VIDEO,
	scoreScene,
	writeSceneResults,
	type AnalyticsScene,
	type ScoreRow,
} from '../test/harness';
import { runWorkflow, sourceThenRoboflow } from '../test/harness/in-process-n8n';
import { startEmulatorProcess } from './bench/emulator-process';

const API_KEY = 'bench-analytics-key-0123456789';
const QUICK = process.env.BENCH_ANALYTICS_QUICK === '1';
const RUNS = Math.max(1, Number(process.env.BENCH_ANALYTICS_RUNS ?? 7));
const TIMING = process.env.BENCH_ANALYTICS_TIMING !== '0';
const MAX_RATIO = 1.3;

const log = (line = ''): void => console.log(line);

async function json(response: Response): Promise<IDataObject> {
	const text = await response.text();
	if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
	return JSON.parse(text) as IDataObject;
}

/** Uploads the sample video, starts a job on it and waits until it is done: its results link then serves whatever file is configured. */
async function finishedJob(apiUrl: string): Promise<string> {
	const { signed_url: signedUrl } = await json(
		await fetch(`${apiUrl}/video_upload_signed_url/?api_key=${API_KEY}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ file_name: 'sample.mp4' }),
		}),
	);
	const put = await fetch(String(signedUrl), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: readFileSync(SAMPLE_VIDEO) });
	if (!put.ok) throw new Error(`uploading the sample video failed: HTTP ${put.status}`);
	const { job_id: jobId } = await json(
		await fetch(`${apiUrl}/videoinfer/?api_key=${API_KEY}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				input_url: signedUrl,
				infer_fps: 6,
				models: [{ model_id: 'rock-paper-scissors-presentation', model_version: '4', inference_type: 'object-detection' }],
			}),
		}),
	);
	for (let attempt = 0; attempt < 200; attempt++) {
		const status = await json(await fetch(`${apiUrl}/videoinfer/?api_key=${API_KEY}&job_id=${String(jobId)}`));
		if (status.output_signed_url) return String(jobId);
		if (typeof status.status === 'number' && status.status > 1) throw new Error(`the emulator's job failed: ${JSON.stringify(status)}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error('the emulator\'s job did not finish');
}

async function serveResultsFile(apiUrl: string, file: string): Promise<void> {
	await json(await fetch(`${apiUrl}/__emulator/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resultsFile: file }) }));
}

/** The node's Get Status with Download Results and Output Summary; returns the summary item. */
async function summary(apiUrl: string, jobId: string, resultOptions: IDataObject): Promise<IDataObject> {
	const result = await runWorkflow(
		sourceThenRoboflow([{}], { operation: 'getStatus', jobId, downloadResults: true, output: 'summary', resultOptions }),
		{ credentials: { roboflowApi: { apiKey: API_KEY, baseUrl: apiUrl } } },
	);
	if (result.error) throw new Error(`the node failed: ${result.error.message} ${result.error.description ?? ''}`);
	const [item] = result.output('Roboflow')[0] ?? [];
	if (!item) throw new Error('the node output nothing');
	return item.json;
}

/**
 * The Result Options that turn analytics off: BENCH_ANALYTICS_OFF if set, else a boolean Result
 * Option of the node named like "analytics" or "tracking", found in the node's description (so
 * the bench picks it up when it lands); undefined when there is none.
 */
function analyticsSwitch(): { options: IDataObject; on: IDataObject; label: string } | undefined {
	if (process.env.BENCH_ANALYTICS_OFF) {
		const options = JSON.parse(process.env.BENCH_ANALYTICS_OFF) as IDataObject;
		return { options, on: {}, label: `BENCH_ANALYTICS_OFF ${JSON.stringify(options)}` };
	}
	// The node itself, by its path (as test/harness/in-process-n8n.ts loads it): only its description is read.
	const { RoboflowVideo } = require('../nodes/RoboflowVideo/RoboflowVideo.node.ts') as { RoboflowVideo: new () => INodeType };
	const properties = new RoboflowVideo().description.properties;
	for (const property of properties) {
		if (property.name !== 'resultOptions') continue;
		for (const option of (property.options ?? []) as INodeProperties[]) {
			if (option.type !== 'boolean' || !/analytic|track/i.test(option.name)) continue;
			const off = /^(skip|disable|no|without)/i.test(option.name);
			return { options: { [option.name]: off }, on: { [option.name]: !off }, label: `Result Option ${option.name} = ${String(off)}` };
		}
	}
	return undefined;
}

const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function quality(apiUrl: string, jobId: string, dir: string): Promise<ScoreRow[]> {
	const all: ScoreRow[] = [];
	const started = Date.now();
	const scenes: AnalyticsScene[] = analyticsScenes({ quick: QUICK });
	log(`Quality: ${scenes.length} scenes${QUICK ? ' (short versions)' : ''}, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	for (const scene of scenes) {
		const file = join(dir, `${scene.name}.json`);
		const bytes = await writeSceneResults(scene, file);
		await serveResultsFile(apiUrl, file);
		const t0 = Date.now();
		const answer = await summary(apiUrl, jobId, scene.resultOptions as IDataObject);
		const ms = Date.now() - t0;
		const classes = ((answer.models as Record<string, IDataObject> | undefined)?.[scene.modelId]?.classes ?? undefined) as IDataObject | undefined;
		const rows = scoreScene(scene, classes);
		all.push(...rows);
		const s = scene.stats;
		log();
		log(`== ${scene.title}`);
		log(`   stresses: ${scene.stresses}`);
		log(
			`   ${s.frames} frames (${s.nullFrames} not inferred), ${s.objects} objects, ${s.detections} detections (${s.falsePositives} false positives), ` +
				`${(bytes / 1e6).toFixed(1)} MB; node ${ms} ms; options ${JSON.stringify(scene.resultOptions)}`,
		);
		for (const [name, truth] of Object.entries(scene.truth)) {
			log(`   ${name}: truth peak at ${truth.peak_time} s (visible at most ${truth.visible_peak_count} at once); node peak_time ${String((classes?.[name] as IDataObject | undefined)?.peak_time ?? '-')}`);
		}
		log(formatScoreTable(rows).replace(/^/gm, '   '));
	}
	return all;
}

async function timing(apiUrl: string, jobId: string): Promise<{ ok: boolean; note: string }> {
	const preset = '174mb';
	log();
	log(`Time: Summary of ${RESULTS_FILE_PRESETS[preset].label}`);
	const file = await ensureResultsFile(preset, { log: (line) => log(`   ${line}`) });
	log(`   ${file.path} (${(file.bytes / 1e6).toFixed(1)} MB)`);
	await serveResultsFile(apiUrl, file.path);
	const found = analyticsSwitch();
	/** Wall time, and this process's CPU time (the emulator is another process): the machine may be busy with other work. */
	const run = async (options: IDataObject): Promise<{ ms: number; cpuMs: number; answer: IDataObject }> => {
		const t0 = process.hrtime.bigint();
		const c0 = process.cpuUsage();
		const answer = await summary(apiUrl, jobId, options);
		const cpu = process.cpuUsage(c0);
		return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, answer };
	};
	const tracked = (answer: IDataObject): boolean =>
		Object.values((answer.models ?? {}) as Record<string, IDataObject>).some((m) => Object.values((m.classes ?? {}) as Record<string, IDataObject>).some((c) => 'unique_objects' in c));
	const list = (values: number[]): string => values.map((v) => v.toFixed(0)).join(', ');
	log('   warm-up run (not counted) ...');
	const warm = await run({});
	log(`   warm-up: ${warm.ms.toFixed(0)} ms, analytics in the answer: ${tracked(warm.answer) ? 'yes' : 'no'}`);
	if (!found) {
		const wall: number[] = [];
		const cpu: number[] = [];
		for (let i = 0; i < RUNS; i++) {
			const r = await run({});
			wall.push(r.ms);
			cpu.push(r.cpuMs);
		}
		const note =
			`the node has no Result Option that turns analytics off (looked for a boolean option named like "analytics"/"tracking"): ` +
			`Summary as it is (analytics ${tracked(warm.answer) ? 'on' : 'absent'}) took ${list(wall)} ms wall (median ${median(wall).toFixed(0)}), ` +
			`${list(cpu)} ms CPU (median ${median(cpu).toFixed(0)}); no ratio measured`;
		log(`   ${note}`);
		return { ok: true, note };
	}
	const { options: off, on } = found;
	log(`   analytics off with ${found.label}`);
	const check = await run(off);
	if (tracked(check.answer)) {
		const note = `${found.label} does not turn analytics off (the Summary still has unique_objects): no ratio measured`;
		log(`   ${note}`);
		return { ok: false, note };
	}
	const withRuns: Array<{ ms: number; cpuMs: number }> = [];
	const withoutRuns: Array<{ ms: number; cpuMs: number }> = [];
	for (let i = 0; i < RUNS; i++) {
		// Alternating, so a drift of the machine weighs on both alike.
		const first = i % 2 === 0;
		if (first) withRuns.push(await run(on));
		withoutRuns.push(await run(off));
		if (!first) withRuns.push(await run(on));
		log(`   round ${i + 1}: with ${withRuns[i].ms.toFixed(0)} ms (CPU ${withRuns[i].cpuMs.toFixed(0)}), without ${withoutRuns[i].ms.toFixed(0)} ms (CPU ${withoutRuns[i].cpuMs.toFixed(0)})`);
	}
	const wallWith = median(withRuns.map((r) => r.ms));
	const wallWithout = median(withoutRuns.map((r) => r.ms));
	const cpuWith = median(withRuns.map((r) => r.cpuMs));
	const cpuWithout = median(withoutRuns.map((r) => r.cpuMs));
	const ratio = wallWith / wallWithout;
	const cpuRatio = cpuWith / cpuWithout;
	// CPU time is the verdict: it is what analytics cost, and it does not move with other work on the machine.
	const ok = cpuRatio <= MAX_RATIO;
	const note =
		`Summary with analytics median ${wallWith.toFixed(0)} ms wall / ${cpuWith.toFixed(0)} ms CPU, without ${wallWithout.toFixed(0)} ms / ${cpuWithout.toFixed(0)} ms: ` +
		`ratio ${ratio.toFixed(2)} wall, ${cpuRatio.toFixed(2)} CPU (analytics add ${((cpuRatio - 1) * 100).toFixed(0)}% CPU; target at most ${((MAX_RATIO - 1) * 100).toFixed(0)}%): ${ok ? 'ok' : 'MISS'}`;
	log(`   ${note}`);
	return { ok, note };
}

async function main(): Promise<number> {
	const dir = mkdtempSync(join(tmpdir(), 'bench-analytics-'));
	const emulator = await startEmulatorProcess({ apiKey: API_KEY });
	let stopping = false;
	const stop = async (): Promise<void> => {
		if (stopping) return;
		stopping = true;
		await emulator.stop();
		rmSync(dir, { recursive: true, force: true });
	};
	process.once('SIGINT', () => void stop().then(() => process.exit(130)));
	try {
		log(`Emulator (pid ${emulator.pid}) on ${emulator.apiUrl}`);
		const jobId = await finishedJob(emulator.apiUrl);
		const rows = await quality(emulator.apiUrl, jobId, dir);
		const misses = rows.filter((r) => !r.pass);
		const time = TIMING ? await timing(emulator.apiUrl, jobId) : { ok: true, note: 'not measured (BENCH_ANALYTICS_TIMING=0)' };
		log();
		log(`Quality: ${rows.length - misses.length} of ${rows.length} answers within their thresholds${misses.length ? `; misses: ${misses.map((r) => `${r.scene}/${r.className}/${r.metric}`).join(', ')}` : ''}`);
		log(`Time: ${time.note}`);
		return misses.length || !time.ok ? 1 : 0;
	} finally {
		await stop();
	}
}

main().then(
	(code) => process.exit(code),
	(error) => {
		console.error(`bench:analytics failed: ${(error as Error).stack ?? String(error)}`);
		process.exit(2);
	},
);
