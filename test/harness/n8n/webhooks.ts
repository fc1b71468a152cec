/** Calling an instance's webhooks, waiting out the moments after a start while they register. */
import { readBody, sleep } from './http';
import type { N8nInstance } from './types';

export function webhookCaller(baseUrl: string): N8nInstance['callWebhook'] {
	return async (webhookPath, method = 'POST', body, w = {}) => {
		const url = webhookPath.startsWith('/') ? `${baseUrl}${webhookPath}` : `${baseUrl}/webhook/${webhookPath}`;
		const deadline = Date.now() + (w.timeoutMs ?? 15_000);
		for (;;) {
			// Raw bytes (a video) go as they are; anything else as JSON.
			const raw = Buffer.isBuffer(body) || body instanceof Uint8Array;
			const res = await fetch(url, {
				method,
				headers: {
					...(body !== undefined ? { 'content-type': raw ? 'application/octet-stream' : 'application/json' } : {}),
					...(w.headers ?? {}),
				},
				body:
					body === undefined || method === 'GET' || method === 'HEAD'
						? undefined
						: raw
							? (body as Uint8Array)
							: JSON.stringify(body),
			});
			const data = await readBody(res);
			if (res.status === 404 && w.waitForRegistration !== false && Date.now() < deadline) {
				await sleep(300);
				continue;
			}
			return { status: res.status, headers: res.headers, data };
		}
	};
}
