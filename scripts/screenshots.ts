/**
 * Screenshots of the real n8n editor with this package installed, for the README. Starts the
 * stack the demo uses (n8n 2.41.1 headless on 127.0.0.1 with this package packed and installed
 * as a community package, and the emulator of Roboflow's API), imports the demo workflow, and
 * drives headless Chromium (Debian's package; installed with apt-get when missing) over the
 * Chrome DevTools Protocol to sign in as the owner and take:
 *
 *   workflow-canvas.png            the demo workflow on the canvas
 *   schema-before-run.png          Next Node opened before any run: its input Schema view
 *                                  filled from Wait For Result's output schema (__schema__)
 *   summary-after-run.png          after a run: Wait For Result's output, the Summary, as JSON
 *
 *   npm run screenshots                  # into docs/screenshots/
 *   npm run screenshots -- <folder>      # into another folder
 *
 * The emulator's jobs finish at once here, so the run takes seconds (Wait For Result still runs
 * its sub-workflow; it finds the job done at its first check). Everything it starts (n8n, the
 * emulator, Chromium) it stops again, also on Ctrl+C.
 */
import { mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { isAbsolute, join, relative, resolve } from 'path';

import { N8N_VERSION, PACKAGE_ROOT, postVideo, startStack, storedItems, videoWorkflow, waitForStoredRun, type Stack, type StoredRun } from '../test/harness';
import { Page, sleep } from './screenshots/cdp';
import { ensureChromium, launchChromium, type Browser } from './screenshots/chromium';

const SIZE = { width: 1440, height: 900 };
const WEBHOOK_PATH = 'roboflow-video-demo';
const NODE_TYPE_PATH = 'n8n-nodes-roboflow-video.roboflowVideo';

const started = Date.now();
const say = (line: string) => console.log(`${`${Math.round((Date.now() - started) / 1000)}s`.padStart(5)}  ${line}`);

const argument = process.argv.slice(2).find((a) => !a.startsWith('-'));
const outDir = argument ? (isAbsolute(argument) ? argument : resolve(argument)) : join(PACKAGE_ROOT, 'docs', 'screenshots');

/** Text of the elements matching a selector, joined (in the page). */
const textOf = (selector: string) => `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent).join(' ')`;

async function signIn(page: Page, baseUrl: string, owner: { email: string; password: string }): Promise<void> {
	await page.goto(`${baseUrl}/signin`);
	await page.type('#emailOrLdapLoginId', owner.email);
	await page.type('#password', owner.password);
	await page.click('[data-test-id="form-submit-button"]');
	await page.waitFor('!location.pathname.startsWith("/signin")', 'the sign-in to go through');
}

/** Opens the workflow on the canvas, waits until all of it is drawn, and clears what covers it. */
async function openCanvas(page: Page, baseUrl: string, workflowId: string): Promise<void> {
	await page.goto(`${baseUrl}/workflow/${workflowId}`);
	await page.waitFor(`document.querySelectorAll('[data-test-id="canvas-node"]').length === 5 && !!document.querySelector('[data-test-id="workflow-name-input"]')`, 'the workflow on the canvas');
	// The "Production Checklist" card n8n shows on a published workflow.
	await sleep(1500);
	if (await page.evaluate('!!document.querySelector(\'[data-test-id="suggested-actions-close"]\')')) {
		await page.click('[data-test-id="suggested-actions-close"]');
		await page.waitFor('!document.querySelector(\'[data-test-id="suggested-actions-close"]\')', 'the checklist to close', 5_000).catch(() => undefined);
	}
	await page.click('[data-test-id="zoom-to-fit"]');
	// The mouse away from the controls, so no button shows its hover state.
	await page.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: SIZE.width - 200, y: SIZE.height - 200 });
	await sleep(1000);
}

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
		const shot = async (name: string, what: string) => {
			const file = join(outDir, name);
			const bytes = await page!.screenshot(file);
			say(`Wrote ${relative(process.cwd(), file) || file} (${SIZE.width}x${SIZE.height}, ${Math.round(bytes / 1024)} KiB): ${what}`);
		};

		// (a) The demo workflow on the canvas.
		await openCanvas(page, n8n.baseUrl, workflowId);
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
