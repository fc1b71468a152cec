/**
 * A small Chrome DevTools Protocol client for one page, over Node's built-in WebSocket (Node 22+,
 * or Node 20 with --experimental-websocket, as `npm run screenshots` starts it): navigate, wait
 * for something in the page, click and type as a person would, and take screenshots.
 */
import { writeFileSync } from 'fs';

/** In the page: the centre of the first visible element matching a selector (and containing a text, when given). */
const CENTRE_OF = `(selector, wanted) => {
	for (const el of document.querySelectorAll(selector)) {
		if (wanted !== null && !(el.textContent || '').includes(wanted)) continue;
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.height > 0) return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
	}
	return undefined;
}`;

type Pending = { resolve: (value: any) => void; reject: (error: Error) => void; method: string };

export class Page {
	private nextId = 1;
	private readonly pending = new Map<number, Pending>();
	private readonly listeners = new Map<string, Array<(params: any) => void>>();

	private constructor(private readonly socket: WebSocket) {
		socket.addEventListener('message', (event: MessageEvent) => {
			const message = JSON.parse(String(event.data)) as { id?: number; method?: string; params?: any; result?: unknown; error?: { message: string } };
			if (message.id === undefined) {
				for (const listener of this.listeners.get(message.method ?? '') ?? []) listener(message.params);
				return;
			}
			const waiting = this.pending.get(message.id);
			if (!waiting) return;
			this.pending.delete(message.id);
			if (message.error) waiting.reject(new Error(`${waiting.method}: ${message.error.message}`));
			else waiting.resolve(message.result);
		});
		socket.addEventListener('close', () => {
			for (const waiting of this.pending.values()) waiting.reject(new Error(`${waiting.method}: the DevTools connection closed`));
			this.pending.clear();
		});
	}

	static async connect(webSocketUrl: string, size: { width: number; height: number }): Promise<Page> {
		if (typeof WebSocket === 'undefined') {
			throw new Error('This Node has no built-in WebSocket: use Node 22 or newer, or Node 20 with --experimental-websocket (npm run screenshots does).');
		}
		const socket = new WebSocket(webSocketUrl);
		await new Promise<void>((resolve, reject) => {
			socket.addEventListener('open', () => resolve(), { once: true });
			socket.addEventListener('error', () => reject(new Error(`Could not connect to Chromium's DevTools at ${webSocketUrl}`)), { once: true });
		});
		const page = new Page(socket);
		await page.send('Page.enable');
		await page.send('Runtime.enable');
		await page.send('Emulation.setDeviceMetricsOverride', { width: size.width, height: size.height, deviceScaleFactor: 1, mobile: false });
		return page;
	}

	/** Calls `listener` with the parameters of every event of this name (enable its domain first). */
	on(event: string, listener: (params: any) => void): void {
		this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
	}

	/** Every response whose URL contains `part`, as it arrives: [path, HTTP status]. */
	async recordResponses(part: string): Promise<Array<{ path: string; status: number }>> {
		const seen: Array<{ path: string; status: number }> = [];
		this.on('Network.responseReceived', (params: { response: { url: string; status: number } }) => {
			if (params.response.url.includes(part)) seen.push({ path: new URL(params.response.url).pathname, status: params.response.status });
		});
		await this.send('Network.enable');
		return seen;
	}

	send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			this.pending.set(id, { resolve, reject, method });
			this.socket.send(JSON.stringify({ id, method, params }));
		});
	}

	/** The value of a JavaScript expression in the page (awaited when it is a promise). */
	async evaluate<T = unknown>(expression: string): Promise<T> {
		const answer = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
			expression,
			returnByValue: true,
			awaitPromise: true,
		});
		if (answer.exceptionDetails) throw new Error(`In the page: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`);
		return answer.result.value as T;
	}

	async goto(url: string): Promise<void> {
		await this.send('Page.navigate', { url });
		await this.waitFor('document.readyState === "complete"', `${url} to load`);
	}

	/** Waits until a JavaScript expression is truthy in the page; returns its value. */
	async waitFor<T = unknown>(expression: string, what: string, timeoutMs = 30_000): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		let lastError = '';
		for (;;) {
			try {
				const value = await this.evaluate<T>(expression);
				if (value) return value;
			} catch (error) {
				lastError = (error as Error).message;
			}
			if (Date.now() > deadline) {
				const url = await this.evaluate<string>('location.href').catch(() => '?');
				throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what} (page: ${url})${lastError ? `; last error: ${lastError}` : ''}`);
			}
			await sleep(250);
		}
	}

	/** Clicks (or double-clicks) the first visible element matching the selector, as a mouse would. */
	async click(selector: string, options: { text?: string; double?: boolean; timeoutMs?: number } = {}): Promise<void> {
		const where = await this.waitFor<{ x: number; y: number }>(
			`(${CENTRE_OF})(${JSON.stringify(selector)}, ${JSON.stringify(options.text ?? null)})`,
			`${selector}${options.text ? ` with "${options.text}"` : ''} to click`,
			options.timeoutMs,
		);
		await this.clickAt(where.x, where.y, options.double ? 2 : 1);
	}

	async clickAt(x: number, y: number, count = 1): Promise<void> {
		await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
		for (let n = 1; n <= count; n++) {
			await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', clickCount: n });
			await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', clickCount: n });
		}
	}

	/** Focuses an input by clicking it and types into it. */
	async type(selector: string, text: string): Promise<void> {
		await this.click(selector);
		await this.send('Input.insertText', { text });
	}

	async press(key: 'Enter' | 'Escape'): Promise<void> {
		const code = key === 'Enter' ? 13 : 27;
		await this.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code: key, windowsVirtualKeyCode: code });
		await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code: key, windowsVirtualKeyCode: code });
	}

	async screenshot(file: string): Promise<number> {
		const { data } = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false });
		const bytes = Buffer.from(data, 'base64');
		writeFileSync(file, bytes);
		return bytes.length;
	}

	close(): void {
		this.socket.close();
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
