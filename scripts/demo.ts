/**
 * The project's demo, end to end in a real n8n: sets up Node 24 and n8n 2.41.1 once (cached
 * outside the project), installs this package from its packed tarball as a community package,
 * starts the Roboflow emulator and a headless n8n on 127.0.0.1, imports the demo workflow,
 * posts the sample video to it, shows the wait while the execution is parked, prints the
 * summary the workflow produced, and stops everything.
 *
 *   npm run demo             # run once and clean up
 *   npm run demo -- --keep   # leave n8n running afterwards and print the editor URL
 */
import { writeFileSync } from 'fs';
import { resolve } from 'path';

import { cacheRoot, N8N_VERSION, postVideo, startStack, storedItems, videoWorkflow, waitForStoredRun, type Stack } from '../test/harness';

const keep = process.argv.includes('--keep');
/** Where the demo writes the timeline picture the workflow made. */
const PICTURE_FILE = resolve('roboflow-video-demo-timeline.png');
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`.padStart(5);
const say = (line: string) => console.log(`${elapsed()}  ${line}`);

interface ClassSummary {
	detections: number;
	frames: number;
	mean_confidence: number;
	max_confidence: number;
	first_seen: number;
	last_seen: number;
	unique_objects?: number;
	peak_count?: number;
	seconds_present?: number;
	appearances?: Array<{ start: number; end: number }>;
}

function printSummary(summary: Record<string, unknown>): void {
	const models = (summary.models ?? {}) as Record<string, { type: string; frames_inferred: number; classes?: Record<string, ClassSummary> }>;
	console.log('');
	console.log(`  Job ${String(summary.job_id)}: ${String(summary.frames_inferred)} frames inferred, ${String(summary.video_seconds_covered)} s of video`);
	for (const [modelId, model] of Object.entries(models)) {
		console.log(`  ${modelId} (${model.type}), ${model.frames_inferred} frames:`);
		for (const [name, c] of Object.entries(model.classes ?? {})) {
			const tracked =
				c.unique_objects === undefined
					? ''
					: `${String(c.unique_objects).padStart(3)} unique (from ${String(c.detections).padStart(3)} detections), at most ${c.peak_count} at once, ` +
						`in view ${c.seconds_present} s in ${c.appearances?.length ?? 0} appearance(s); `;
			console.log(
				`    ${name.padEnd(10)} ${tracked}confidence mean ${c.mean_confidence.toFixed(2)} max ${c.max_confidence.toFixed(2)}, seen ${c.first_seen}s to ${c.last_seen}s`,
			);
		}
	}
	console.log('');
}

/** The timeline PNG the workflow attached: inline in the stored item, or in n8n's binary store. */
async function pictureOf(stack: Stack, binary: Record<string, unknown> | undefined): Promise<Buffer | undefined> {
	if (!binary) return undefined;
	if (typeof binary.id === 'string') return await stack.n8n.rest.binaryData(binary.id);
	return typeof binary.data === 'string' && binary.data.length > 16 ? Buffer.from(binary.data, 'base64') : undefined;
}

async function main(): Promise<void> {
	say(`Setting up (Node 24 and n8n ${N8N_VERSION} are installed once into ${cacheRoot()}; the first run takes a few minutes)`);
	let stack: Stack | undefined;
	const stopAll = async () => {
		if (!stack) return;
		const s = stack;
		stack = undefined;
		say('Stopping n8n and the emulator...');
		await s.stop();
	};
	process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
	process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

	try {
		// The emulator stands in for api.roboflow.com; its jobs take 50 s, so Wait For Result
		// parks the execution, finds the job still running at its first check and done a minute later.
		stack = await startStack({
			log: (line) => say(`  ${line.trim()}`),
			emulator: { processing: { fixedSeconds: 50 } },
		});
		say(`Emulator of the Roboflow API on ${stack.emulator.apiUrl}; n8n on ${stack.n8n.baseUrl}`);
		const workflowId = await stack.n8n.api.createWorkflow(
			// The demo also asks for the timeline picture, which the workflow file leaves off.
			videoWorkflow('Roboflow Video demo: upload, infer, summarise', 'roboflow-video-demo', stack.credential, {
				resultOptions: { attachTimeline: true },
			}),
		);
		await stack.n8n.api.activateWorkflow(workflowId);
		say('Imported and activated examples/demo-upload-and-summarise.json');

		await postVideo(stack.n8n, 'roboflow-video-demo', 'sample.mp4');
		say('Posted test/fixtures/sample.mp4 (4 s, 24 fps) to the workflow\'s webhook');

		const postedAt = Date.now();
		let lastLine = '';
		const run = await waitForStoredRun(stack.n8n, workflowId, {
			onTick: (executions) => {
				const s = stack!;
				const job = s.emulator.jobs()[0];
				const checks = job ? s.emulator.statusPolls(job.id).length : 0;
				const parked = executions.filter((e) => e.status === 'waiting');
				const child = executions.find((e) => e.mode === 'integrated' && e.status === 'waiting');
				const next = child?.waitTill ? `, next check at ${new Date(child.waitTill).toLocaleTimeString()}` : '';
				const line = !executions.length
					? 'Waiting for n8n to record the execution...'
					: parked.length
						? `Parked in n8n's database (${parked.length} executions waiting): ${checks} status check${checks === 1 ? '' : 's'} so far${next}`
						: `Executions: ${executions.map((e) => `${e.mode} ${e.status}`).join(', ')}`;
				if (line !== lastLine) say(line);
				else if ((Date.now() - postedAt) % 15_000 < 2_000) say(`  ... ${Math.round((Date.now() - postedAt) / 1000)} s waited`);
				lastLine = line;
			},
		});

		if (run.parent.status !== 'success') {
			throw new Error(`the workflow ended ${run.parent.status}: ${JSON.stringify(run.parent.data?.resultData?.error?.message ?? '')}`);
		}
		const [item] = storedItems(run.parent, 'Next Node');
		const summary = item.json;
		const job = stack.emulator.jobs()[0];
		const checks = stack.emulator.statusPolls(job.id).map((r) => r.at);
		say(
			`Done: ${checks.length} status checks, ${checks.length > 1 ? `${Math.round((checks[1] - checks[0]) / 1000)} s apart` : 'one'}; ` +
				`parent and sub-execution both ${[run.parent, ...run.children].every((e) => e.status === 'success') ? 'succeeded' : 'did not succeed'}`,
		);
		say('Summary produced by the workflow\'s Wait For Result node, as the next node received it:');
		printSummary(summary);
		const picture = await pictureOf(stack, item.binary?.timeline);
		if (picture) {
			writeFileSync(PICTURE_FILE, picture);
			say(`Timeline picture (binary field "timeline", ${picture.length} bytes) written to ${PICTURE_FILE}`);
		} else say('The summary came without its timeline picture');

		if (keep) {
			say(`n8n keeps running: open ${stack.n8n.baseUrl}/workflow/${workflowId}`);
			say(`Sign in as ${stack.n8n.owner.email} / ${stack.n8n.owner.password}. Press Ctrl+C to stop everything.`);
			await new Promise(() => {});
		}
	} catch (error) {
		await stopAll();
		throw error;
	} finally {
		if (!keep) await stopAll();
	}
}

main().catch(async (error) => {
	console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
