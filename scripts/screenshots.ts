/**
 * Screenshots of the real n8n editor with this package installed, for the README and issue 13.
 * Starts the stack the demo uses (n8n 2.41.1 headless on 127.0.0.1 with this package packed and
 * installed as a community package, and the emulator of Roboflow's API), imports the demo
 * workflow, and drives headless Chromium (Debian's package; installed with apt-get when missing)
 * over the Chrome DevTools Protocol to sign in as the owner and take:
 *
 *   workflow-canvas.png            the demo workflow on the canvas
 *   schema-before-run.png          Next Node opened before any run: its input Schema view
 *                                  filled from Wait For Result's output schema (__schema__)
 *   summary-after-run.png          after a run: Wait For Result's output, the Summary, as JSON
 *   wait-parked.png                a job that takes 90 s: the user's execution while it waits,
 *                                  Wait For Result waiting with one output, nothing passed on
 *   wait-progress.png              the internal run of that wait after n8n resumed it once: its
 *                                  nodes by name, and the progress rows (job, state, checks
 *                                  made, next check) in the Logs panel's table
 *   failed-job-list.png            a job that fails: the workflow's executions list with its one
 *                                  failed execution, the error on Wait For Result
 *   failed-job-error.png           that execution with Wait For Result opened: the error, and
 *                                  n8n's "Problem in node 'Wait For Result'" message
 *
 *   npm run screenshots                  # into docs/screenshots/
 *   npm run screenshots -- <folder>      # into another folder
 *
 * Each picture is taken only after the API (and the page's text) shows what it is meant to show;
 * otherwise the script stops with an error naming what was missing, and leaves the page as it was
 * in the temp folder (roboflow-video-screenshots-failure.png). The first three take seconds (the
 * emulator's jobs finish at once); the 90 s job and the failing one run side by side in their own
 * workflows, each is checked at 0, 60 and 120 s (n8n resumes a parked check after 60 s), so the
 * whole script takes about 3 to 5 minutes. Everything it starts (n8n, the emulator, Chromium) it stops again, also on Ctrl+C.
 */
import { mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { isAbsolute, join, relative, resolve } from 'path';

import { CHECK_NODE_NAME, LOOP_NODE_NAME, RESULT_NODE_NAME, START_NODE_NAME } from '../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import { N8N_VERSION, PACKAGE_ROOT, postVideo, startStack, storedItems, videoWorkflow, waitForStoredRun, type Stack, type StoredRun } from '../test/harness';
import { Page, sleep } from './screenshots/cdp';
import { ensureChromium, launchChromium, type Browser } from './screenshots/chromium';
import { fitCanvas, openLogsPanel, openOnCanvas, selectInLogs, signIn, textOf } from './screenshots/editor';
import { expectOneFailedExecution, storedNodeNames, waitForParkedRun, waitForProgressRows } from './screenshots/wait-runs';

const SIZE = { width: 1440, height: 900 };
const WEBHOOK_PATH = 'roboflow-video-demo';
const DEMO_NODES = ['Video Arrives', 'Upload Video', 'Start Inference', 'Wait For Result', 'Next Node'];
const WAIT_NODES = [START_NODE_NAME, CHECK_NODE_NAME, LOOP_NODE_NAME, RESULT_NODE_NAME];
/** Longer than a minute and shorter than two: checked running at 0 s and 60 s, done (or failed) at 120 s. */
const LONG_JOB_SECONDS = 90;
const FAILING_UPLOAD = 'doomed-clip';
const FAILURE_MESSAGE = 'Model crashed while decoding frame 12';
const NODE_TYPE_PATH = 'n8n-nodes-roboflow-video.roboflowVideo';

const started = Date.now();
const say = (line: string) => console.log(`${`${Math.round((Date.now() - started) / 1000)}s`.padStart(5)}  ${line}`);

const argument = process.argv.slice(2).find((a) => !a.startsWith('-'));
const outDir = argument ? (isAbsolute(argument) ? argument : resolve(argument)) : join(PACKAGE_ROOT, 'docs', 'screenshots');

/**
 * Posts the sample video and waits for the run. The emulator's scene depends on the upload's
 * (randomly suffixed) name, and in some scenes the model sees nothing at its 0.5 confidence: a
 * Summary without classes says little, so such a run is deleted and the video posted again.
 */
async function runWithDetections(stack: Stack, workflowId: string): Promise<StoredRun> {
	const { n8n } = stack;
	for (let attempt = 1; ; attempt++) {
		await postVideo(n8n, WEBHOOK_PATH, 'sample.mp4');
		say('Posted test/fixtures/sample.mp4 to the workflow\'s webhook; waiting for the run to end...');
		const run = await waitForStoredRun(n8n, workflowId, { timeoutMs: 3 * 60_000 });
		if (run.parent.status !== 'success') throw new Error(`the run ended ${run.parent.status}`);
		say(`Execution ${run.parent.id} succeeded (with ${run.children.length} sub-execution${run.children.length === 1 ? '' : 's'})`);
		const [summary] = storedItems(run.parent, 'Wait For Result');
		const seen = Object.values((summary?.json.models ?? {}) as Record<string, { classes?: Record<string, unknown> }>).some((m) => Object.keys(m.classes ?? {}).length > 0);
		if (seen) return run;
		if (attempt === 4) throw new Error(`the model saw nothing in ${attempt} runs of the emulator`);
		say('The model saw nothing in this run\'s emulated scene; deleting the run and posting the video again');
		for (const execution of [run.parent, ...run.children]) await n8n.api.request('DELETE', `/executions/${execution.id}`);
	}
}

type Shot = (name: string, what: string) => Promise<void>;

/** A copy of the demo workflow under its own name and webhook path, published: its executions list is its own. */
async function deployDemo(stack: Stack, name: string, path: string): Promise<string> {
	const id = await stack.n8n.api.createWorkflow(videoWorkflow(name, path, stack.credential));
	await stack.n8n.api.activateWorkflow(id);
	return id;
}

interface ParkedNodeState {
	classes: string;
	outputs: number;
	outgoing: string[];
	label: string;
	listed: string[];
}

/** In the page: how the execution's canvas draws `node`, and what the executions list and the preview's status say. */
const parkedNodeState = (node: string) => `(() => {
	const el = document.querySelector('[data-test-id="canvas-node"][data-node-name=${JSON.stringify(node)}]');
	const label = document.querySelector('[data-test-id="execution-preview-label"]')?.textContent?.trim();
	if (!el || !label) return undefined;
	return {
		classes: el.className,
		outputs: document.querySelectorAll('[data-test-id="canvas-node-output-handle"][data-node-name=${JSON.stringify(node)}]').length,
		outgoing: [...document.querySelectorAll('[data-test-id="edge"]')].filter((e) => e.getAttribute('data-source-node-name') === ${JSON.stringify(node)}).map((e) => (e.textContent || '').trim()),
		label,
		listed: [...document.querySelectorAll('[data-test-id="current-executions-list"] [data-test-id^="execution-details-"]')].map((e) => (e.textContent || '').replace(/\s+/g, ' ').trim()),
	};
})()`;

/**
 * While the job runs: the user's execution, with Wait For Result drawn as waiting, one output and
 * nothing on its way to Next Node. Returns the id of the internal run.
 */
async function shootParkedWait(page: Page, stack: Stack, workflowId: string, shot: Shot): Promise<string> {
	const { n8n } = stack;
	const { parent, child } = await waitForParkedRun(n8n, workflowId, 3 * 60_000);
	say(`Execution ${parent.id} (the user's) and ${child.id} (its internal run) are waiting`);
	const stored = await n8n.api.getExecution(parent.id, true);
	const runData = (stored.data?.resultData?.runData ?? {}) as Record<string, Array<{ data?: { main?: unknown[][] } }>>;
	if (runData['Next Node']) throw new Error(`Next Node ran in execution ${parent.id} while its job was still running`);
	const waitRuns = runData['Wait For Result'] ?? [];
	say(`Stored while parked: Wait For Result has ${waitRuns.length} run(s), last with outputs [${(waitRuns[waitRuns.length - 1]?.data?.main ?? []).map((items) => items?.length ?? 0).join(', ')}] (items per output)`);

	await openOnCanvas(page, `${n8n.baseUrl}/workflow/${workflowId}/executions/${parent.id}`, DEMO_NODES);
	const state = await page.waitFor<ParkedNodeState>(parkedNodeState('Wait For Result'), 'the execution\'s preview with Wait For Result on the canvas');
	const problems = [
		/\bwaiting\b/.test(state.classes) ? '' : `Wait For Result is not drawn as waiting (classes: ${state.classes})`,
		/\bsuccess\b/.test(state.classes) ? `Wait For Result is drawn as succeeded (classes: ${state.classes})` : '',
		state.outputs === 1 ? '' : `Wait For Result shows ${state.outputs} outputs, not 1`,
		state.outgoing.some((label) => /item/.test(label)) ? `the connection out of Wait For Result says "${state.outgoing.join(', ')}"` : '',
		/Waiting/.test(state.label) ? '' : `the execution's status reads "${state.label}", not Waiting`,
	].filter(Boolean);
	if (problems.length) throw new Error(`The parked execution does not look as it should: ${problems.join('; ')}`);
	say(`On the page: Wait For Result drawn waiting, ${state.outputs} output, nothing on its connection; the executions list shows ${state.listed.length} rows: ${state.listed.join(' | ')}`);
	await fitCanvas(page, SIZE);
	await shot('wait-parked.png', 'the user\'s execution while the job runs: Wait For Result waiting, one output, nothing passed on');
	return child.id;
}

/** After n8n resumed the internal run once: its canvas by name, and the progress rows in the Logs panel's table. */
async function shootWaitProgress(page: Page, stack: Stack, workflowId: string, childId: string, shot: Shot): Promise<void> {
	const { n8n } = stack;
	const { execution, rows } = await waitForProgressRows(n8n, childId, LOOP_NODE_NAME, 3 * 60_000);
	const names = storedNodeNames(execution);
	const missing = WAIT_NODES.filter((name) => !names.includes(name));
	if (missing.length) throw new Error(`the internal execution ${childId} has no node named ${missing.map((n) => `"${n}"`).join(', ')} (it has: ${names.join(', ')})`);
	say(`Internal execution ${childId} was resumed (${execution.status} now); "${LOOP_NODE_NAME}" holds: ${rows.map((r) => `${r.job_id} ${r.state}, checks_made ${r.checks_made}, next_check_at ${r.next_check_at}`).join('; ')}`);

	await openOnCanvas(page, `${n8n.baseUrl}/workflow/${workflowId}/executions/${childId}`, WAIT_NODES);
	await openLogsPanel(page);
	await selectInLogs(page, LOOP_NODE_NAME);
	await page.waitFor('!!document.querySelector(\'[data-test-id="log-details-output"] table\')', 'the progress rows as a table in the Logs panel');
	const shown = await page.evaluate<string>(textOf('[data-test-id="log-details-output"] table'));
	const absent = ['job_id', 'state', 'checks_made', 'next_check_at', rows[0].job_id, String(rows[0].checks_made), rows[0].next_check_at].filter((text) => !shown.includes(text));
	if (absent.length) throw new Error(`the Logs panel's table lacks ${absent.map((t) => `"${t}"`).join(', ')} (it shows: ${shown.slice(0, 300)})`);
	await fitCanvas(page, SIZE);
	await shot('wait-progress.png', `the internal run after one resume: its nodes by name, "${LOOP_NODE_NAME}" with checks_made and next_check_at as a table`);
}

/** A failed job: its workflow's list with one failed execution, the error on Wait For Result; then that node opened. */
async function shootFailedJob(page: Page, stack: Stack, workflowId: string, shot: Shot): Promise<void> {
	const { n8n } = stack;
	const run = await waitForStoredRun(n8n, workflowId, { timeoutMs: 4 * 60_000 });
	const failed = await expectOneFailedExecution(n8n, workflowId, run, 'Wait For Result', FAILURE_MESSAGE);
	say(`Execution ${failed.id} failed on Wait For Result, the only execution of its workflow (no internal run left): ${failed.error}`);

	await openOnCanvas(page, `${n8n.baseUrl}/workflow/${workflowId}/executions`, DEMO_NODES);
	const rows = await page.waitFor<string[]>(
		`(() => { const rows = [...document.querySelectorAll('[data-test-id="current-executions-list"] [data-test-id^="execution-details-"]')].map((e) => (e.textContent || '').replace(/\\s+/g, ' ').trim()); return rows.length ? rows : undefined; })()`,
		'the executions list',
	);
	if (rows.length !== 1 || !rows[0].includes('Error')) throw new Error(`expected one failed execution in the list, it shows: ${rows.join(' | ')}`);
	await page.waitFor(`${textOf('.el-notification')}.includes('Problem in node') && ${textOf('.el-notification')}.includes('Wait For Result')`, 'n8n\'s "Problem in node \'Wait For Result\'" message');
	// It covers the end of the canvas here; it shows again in the next picture.
	await page.click('.el-notification .el-notification__closeBtn');
	await page.waitFor('!document.querySelector(\'.el-notification\')', 'n8n\'s error message to close', 5_000);
	await openLogsPanel(page);
	await selectInLogs(page, 'Wait For Result');
	await page.waitFor(`${textOf('[data-test-id="log-details"]')}.includes(${JSON.stringify(FAILURE_MESSAGE)})`, 'the error in the Logs panel\'s details of Wait For Result');
	await fitCanvas(page, SIZE);
	await shot('failed-job-list.png', `the failing job's workflow: one execution in the list (${rows[0]}), its error on Wait For Result`);

	await page.goto(`${n8n.baseUrl}/workflow/${workflowId}/executions/${failed.id}/wait`);
	await page.waitFor(`${textOf('[data-test-id="output-panel"]')}.includes(${JSON.stringify(FAILURE_MESSAGE)})`, 'Wait For Result opened with its error');
	await page.waitFor(`${textOf('.el-notification')}.includes('Problem in node')`, 'n8n\'s "Problem in node \'Wait For Result\'" message over the opened node');
	await sleep(1000);
	await shot('failed-job-error.png', 'the failed execution with Wait For Result opened: the job\'s error');
}

async function main(): Promise<void> {
	mkdirSync(outDir, { recursive: true });
	const chromium = ensureChromium(say);
	say(`Starting n8n ${N8N_VERSION} with this package and the emulator (the first run installs n8n, a few minutes)...`);
	let stack: Stack | undefined;
	let browser: Browser | undefined;
	let page: Page | undefined;
	const stopAll = async () => {
		page?.close();
		page = undefined;
		const [b, s] = [browser, stack];
		browser = stack = undefined;
		if (b) await b.stop();
		if (s) {
			say('Stopping n8n and the emulator...');
			await s.stop();
		}
	};
	process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
	process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

	try {
		stack = await startStack({ log: (line) => say(`  ${line.trim()}`), emulator: { processing: { fixedSeconds: 0 } } });
		const { n8n } = stack;
		const workflowId = await n8n.api.createWorkflow(videoWorkflow('Roboflow Video demo: upload, infer, summarise', WEBHOOK_PATH, stack.credential));
		await n8n.api.activateWorkflow(workflowId);
		say(`n8n on ${n8n.baseUrl}: imported and activated examples/demo-upload-and-summarise.json`);

		browser = await launchChromium(chromium, SIZE);
		page = await Page.connect(browser.pageWebSocketUrl, SIZE);
		// What the editor fetches from n8n's /schemas/ route: the proof that the schema view comes from __schema__.
		const schemaResponses = await page.recordResponses('/schemas/');
		say(`Chromium (pid ${browser.pid}): signing in as ${n8n.owner.email}`);
		await signIn(page, n8n.baseUrl, n8n.owner);
		const shot: Shot = async (name, what) => {
			const file = join(outDir, name);
			const bytes = await page!.screenshot(file);
			say(`Wrote ${relative(process.cwd(), file) || file} (${SIZE.width}x${SIZE.height}, ${Math.round(bytes / 1024)} KiB): ${what}`);
		};

		// (a) The demo workflow on the canvas.
		await openOnCanvas(page, `${n8n.baseUrl}/workflow/${workflowId}`, DEMO_NODES);
		await fitCanvas(page, SIZE);
		await shot('workflow-canvas.png', 'the demo workflow on the canvas');

		// (b) Before any run: Next Node's input Schema view, filled from Wait For Result's schema.
		const before = await n8n.api.listExecutions({ workflowId });
		if (before.length) throw new Error(`expected no execution before the schema screenshot, found ${before.length}`);
		await page.click('[data-test-id="canvas-node"][data-node-name="Next Node"]', { double: true });
		await page.waitFor(`${textOf('[data-test-id="ndv-input-panel"] [data-test-id="run-data-schema-item"]')}.includes('frames_inferred')`, 'Next Node\'s input Schema view to show Wait For Result\'s fields');
		const waitSchema = `/schemas/${NODE_TYPE_PATH}/1.0.0/waitForResult.json`;
		if (!schemaResponses.some((r) => r.path === waitSchema && r.status === 200)) {
			throw new Error(`the editor did not load ${waitSchema} (it fetched: ${JSON.stringify(schemaResponses)})`);
		}
		const loaded = schemaResponses.filter((r) => r.status === 200 && r.path.startsWith(`/schemas/${NODE_TYPE_PATH}/`));
		say(`With no execution yet, the editor loaded ${loaded.map((r) => r.path.split('/').pop()).join(', ')} from /schemas/${NODE_TYPE_PATH}/1.0.0/ (HTTP 200)`);
		await sleep(500);
		await shot('schema-before-run.png', 'Next Node before any run: Wait For Result\'s fields in its input Schema view');
		await page.click('[data-test-id="ndv-close-button"]');

		// (c) After a run: Wait For Result's Summary, as the execution stored it.
		const run = await runWithDetections(stack, workflowId);
		await page.goto(`${n8n.baseUrl}/workflow/${workflowId}/executions/${run.parent.id}/wait`);
		await page.waitFor(`!!document.querySelector('[data-test-id="output-panel"] [data-test-id="radio-button-json"]')`, 'Wait For Result\'s output in the execution');
		// The panel may still be settling on its first view when clicked: click until JSON shows.
		const jsonShown = `${textOf('[data-test-id="output-panel"] [data-test-id="ndv-data-container"]')}.includes('"unique_objects"')`;
		for (let attempt = 1; ; attempt++) {
			await page.click('[data-test-id="output-panel"] [data-test-id="radio-button-json"]');
			const shown = await page.waitFor(jsonShown, 'the Summary as JSON', 10_000).then(() => true, (error: Error) => (attempt < 3 ? false : Promise.reject(error)));
			if (shown) break;
		}
		await sleep(500);
		await shot('summary-after-run.png', 'after the run: Wait For Result\'s output (Summary) in the JSON view');

		// (d) Jobs longer than a minute, each in a workflow of its own so each list is clear: one
		// finishes, one fails. Both are running at the first check, park, and are resumed by n8n.
		stack.emulator.configure({ processing: { fixedSeconds: LONG_JOB_SECONDS } });
		stack.emulator.addFault({ match: { inputUrlContains: FAILING_UPLOAD }, fault: { type: 'jobFailed', status: 3, message: FAILURE_MESSAGE } });
		const longWorkflowId = await deployDemo(stack, `Roboflow Video: a job that takes ${LONG_JOB_SECONDS} s`, 'roboflow-video-long-job');
		const failingWorkflowId = await deployDemo(stack, 'Roboflow Video: a job that fails', 'roboflow-video-failing-job');
		await postVideo(n8n, 'roboflow-video-long-job', 'long-job.mp4');
		await postVideo(n8n, 'roboflow-video-failing-job', `${FAILING_UPLOAD}.mp4`);
		say(`Posted the video to two workflows: a ${LONG_JOB_SECONDS} s job, and one that fails after ${LONG_JOB_SECONDS} s ("${FAILURE_MESSAGE}")`);
		const childId = await shootParkedWait(page, stack, longWorkflowId, shot);
		await shootWaitProgress(page, stack, longWorkflowId, childId, shot);

		// (e) The failed job, once n8n has resumed it and it has failed.
		await shootFailedJob(page, stack, failingWorkflowId, shot);
		const longRun = await waitForStoredRun(n8n, longWorkflowId, { timeoutMs: 3 * 60_000 });
		if (longRun.parent.status !== 'success') throw new Error(`the ${LONG_JOB_SECONDS} s job's execution ended ${longRun.parent.status}`);
		say(`The ${LONG_JOB_SECONDS} s job's execution ${longRun.parent.id} succeeded (internal run${longRun.children.length === 1 ? '' : 's'}: ${longRun.children.map((c) => `${c.id} ${c.status}`).join(', ')})`);
	} catch (error) {
		// What the page showed when it went wrong, to see why.
		const file = join(tmpdir(), 'roboflow-video-screenshots-failure.png');
		if (page && (await page.screenshot(file).catch(() => 0))) say(`The page at the failure: ${file}`);
		throw error;
	} finally {
		await stopAll();
	}
}

main().catch((error) => {
	console.error(`Screenshots failed: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
