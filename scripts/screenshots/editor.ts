/**
 * Steps in n8n 2.41's editor that the screenshots repeat: signing in, opening a workflow or an
 * execution on the canvas, clearing what covers it, and opening the Logs panel under it. Each
 * waits for what it needs and fails with a message naming what did not appear.
 */
import { Page, sleep } from './cdp';

/** Text of the elements matching a selector, joined (an expression evaluated in the page). */
export const textOf = (selector: string) => `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent).join(' ')`;

/** The names of the nodes drawn on the canvas (an expression evaluated in the page). */
export const CANVAS_NODE_NAMES = `[...document.querySelectorAll('[data-test-id="canvas-node"]')].map((n) => n.getAttribute('data-node-name'))`;

export async function signIn(page: Page, baseUrl: string, owner: { email: string; password: string }): Promise<void> {
	await page.goto(`${baseUrl}/signin`);
	await page.type('#emailOrLdapLoginId', owner.email);
	await page.type('#password', owner.password);
	await page.click('[data-test-id="form-submit-button"]');
	await page.waitFor('!location.pathname.startsWith("/signin")', 'the sign-in to go through');
}

/** Closes the "Production Checklist" card n8n shows over a published workflow, when it is there. */
export async function closeChecklist(page: Page): Promise<void> {
	// It appears a moment after the canvas.
	await sleep(1500);
	if (await page.evaluate('!!document.querySelector(\'[data-test-id="suggested-actions-close"]\')')) {
		await page.click('[data-test-id="suggested-actions-close"]');
		await page.waitFor('!document.querySelector(\'[data-test-id="suggested-actions-close"]\')', 'the checklist to close', 5_000).catch(() => undefined);
	}
}

/** Fits the canvas into what is left of the window, with the mouse away so no button shows its hover state. */
export async function fitCanvas(page: Page, size: { width: number; height: number }): Promise<void> {
	await page.click('[data-test-id="zoom-to-fit"]');
	// The canvas's right edge, half-way down: no button, node or panel there in any view used.
	await page.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: size.width - 30, y: Math.round(size.height / 2) });
	await sleep(1000);
}

/**
 * Opens a workflow, or one of its executions (`/executions/<id>`), and waits until the given
 * nodes are all drawn (by name) and the page is settled.
 */
export async function openOnCanvas(page: Page, url: string, nodeNames: readonly string[]): Promise<void> {
	await page.goto(url);
	const wanted = JSON.stringify(nodeNames);
	await page.waitFor(
		`(() => { const drawn = ${CANVAS_NODE_NAMES}; return drawn.length === ${nodeNames.length} && ${wanted}.every((name) => drawn.includes(name)); })()`,
		`the nodes ${nodeNames.map((n) => `"${n}"`).join(', ')} on the canvas at ${url}`,
	);
	await closeChecklist(page);
}

/** Opens the Logs panel under the canvas (n8n remembers it open in the browser's storage). */
export async function openLogsPanel(page: Page): Promise<void> {
	const height = `(document.querySelector('[data-test-id="logs-panel"]')?.getBoundingClientRect().height ?? 0)`;
	if ((await page.evaluate<number>(height)) < 100) await page.click('[data-test-id="logs-overview-header"]');
	await page.waitFor(`${height} > 100 && !!document.querySelector('[data-test-id="logs-overview-body"]')`, 'the Logs panel to open');
}

/** Clicks the innermost element inside `container` whose whole text is `text` (e.g. a node's entry in the Logs panel). */
export async function clickExactText(page: Page, container: string, text: string): Promise<void> {
	const where = await page.waitFor<{ x: number; y: number }>(
		`(() => {
			const hits = [...document.querySelectorAll(${JSON.stringify(`${container} *`)})].filter((e) => (e.textContent || '').trim() === ${JSON.stringify(text)});
			const innermost = hits.find((e) => ![...e.children].some((c) => hits.includes(c)));
			const r = innermost?.getBoundingClientRect();
			return r && r.width > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : undefined;
		})()`,
		`"${text}" in ${container} to click`,
	);
	await page.clickAt(where.x, where.y);
}

/**
 * Shows a node's details in the open Logs panel. n8n opens it on the last node run; clicking the
 * selected entry again would close its details, so the entry is clicked only when another shows.
 */
export async function selectInLogs(page: Page, nodeName: string): Promise<void> {
	const shown = `${textOf('[data-test-id="log-details-header"]')}.includes(${JSON.stringify(nodeName)})`;
	if (!(await page.evaluate<boolean>(shown))) await clickExactText(page, '[data-test-id="logs-overview-body"]', nodeName);
	await page.waitFor(shown, `"${nodeName}" selected in the Logs panel`);
}
