/**
 * The Summary's analytics against scenes whose truth is known by construction
 * (test/harness/analytics-scenes.ts): short versions of the four scenes of `npm run
 * bench:analytics`, each served by the emulator as a finished job's results file and read by the
 * node's Get Status (Download Results, Output Summary) with the scene's counting line or zone.
 * The thresholds are the benchmark's: unique objects within 10%, appearances (number and seconds
 * present) and line crossings within 5%, peak count within 1 (zone: entered 10%, most inside 1,
 * seconds occupied 5%). The short scenes have small counts (7 truck appearances), where 5% is
 * less than one and one frame decides: a count also passes within 1 of the truth here; the full
 * scenes of the benchmark keep the thresholds as they are. A miss prints the scene's whole table.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { IDataObject } from 'n8n-workflow';

import { analyticsScenes, formatScoreTable, scoreScene, writeSceneResults, type AnalyticsScene } from '../harness/analytics-scenes';
import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow } from '../harness/in-process-n8n';
import { chain, credentialsFor, emulatorForTests, jsonOf, RPS_MODEL, startJobDirectly, uploadSample } from './helpers';

describe('Summary analytics on scenes with known truth (short versions of npm run bench:analytics)', () => {
	const scenes: AnalyticsScene[] = analyticsScenes({ quick: true });
	let emulator: RoboflowEmulator;
	let jobId: string;
	let dir: string;

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'rf-analytics-scenes-'));
		emulator = await emulatorForTests({ pollWindowMs: 0, processing: { fixedSeconds: 0 } });
		jobId = await startJobDirectly(emulator, await uploadSample(emulator), [RPS_MODEL], 6);
	});
	afterAll(async () => {
		await emulator?.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it.each(scenes.map((scene) => [scene.name, scene] as const))('%s: every answer within its threshold', async (_, scene) => {
		const file = join(dir, `${scene.name}.json`);
		await writeSceneResults(scene, file);
		emulator.configure({ resultsFile: file });
		const result = await runWorkflow(
			chain([{}], [{ name: 'Status', parameters: { operation: 'getStatus', jobId, downloadResults: true, output: 'summary', resultOptions: scene.resultOptions } }]),
			{ credentials: credentialsFor(emulator) },
		);
		expect(result.error?.message).toBeUndefined();
		const [summary] = jsonOf(result, 'Status');
		expect(summary.frames_inferred).toBe(scene.results.frame_offset.length);
		const model = (summary.models as Record<string, IDataObject>)[scene.modelId];
		const rows = scoreScene(scene, model?.classes as IDataObject | undefined, { countSlack: 1 });
		expect(rows.length).toBeGreaterThan(0);
		const misses = rows.filter((r) => !r.pass).map((r) => `${r.className} ${r.metric}`);
		if (misses.length) throw new Error(`${scene.title}: ${misses.join(', ')} outside the threshold\n${formatScoreTable(rows)}`);
	});
});
