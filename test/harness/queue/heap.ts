/**
 * A process's JavaScript heap after a full garbage collection, through the V8 inspector: RSS
 * says how much memory V8 has taken and not yet given back (after a burst of work that can be
 * hundreds of MiB more than it holds), the heap after a collection says what is really kept.
 *
 * The process must run with `--inspect-port=<port>` (in NODE_OPTIONS; nothing listens until
 * then); SIGUSR1 opens the inspector on that port, on 127.0.0.1 only. It talks to the inspector
 * with the global WebSocket: Node 20 has it only with --experimental-websocket (npm run bench:parked
 * passes it).
 */
import { sleep } from '../n8n/http';
import { HOST } from '../n8n/configure';

export interface HeapAfterGc {
	heapUsedKiB: number;
	rssKiB: number;
}

export function inspectPortOption(port: number): string {
	return `--inspect-port=${HOST}:${port}`;
}

async function debuggerUrl(pid: number, port: number): Promise<string> {
	process.kill(pid, 'SIGUSR1');
	for (let i = 0; i < 50; i++) {
		try {
			const targets = (await (await fetch(`http://${HOST}:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
			if (targets[0]?.webSocketDebuggerUrl) return targets[0].webSocketDebuggerUrl;
		} catch {
			/* not listening yet */
		}
		await sleep(200);
	}
	throw new Error(`the inspector of process ${pid} did not open on port ${port}`);
}

export async function heapAfterGc(pid: number, port: number): Promise<HeapAfterGc> {
	const socket = new WebSocket(await debuggerUrl(pid, port));
	await new Promise<void>((resolve, reject) => {
		socket.onopen = () => resolve();
		socket.onerror = () => reject(new Error(`could not connect to the inspector of process ${pid}`));
	});
	let nextId = 0;
	const pending = new Map<number, (result: any) => void>();
	socket.onmessage = (event) => {
		const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
		if (message.id !== undefined) pending.get(message.id)?.(message.result);
	};
	const call = (method: string, params: Record<string, unknown> = {}) =>
		new Promise<any>((resolve) => {
			const id = ++nextId;
			pending.set(id, resolve);
			socket.send(JSON.stringify({ id, method, params }));
		});
	try {
		// Twice: the first collection may leave what only a second finds unreachable.
		await call('HeapProfiler.collectGarbage');
		await call('HeapProfiler.collectGarbage');
		const result = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
		const usage = JSON.parse(result.result.value) as { heapUsed: number; rss: number };
		return { heapUsedKiB: Math.round(usage.heapUsed / 1024), rssKiB: Math.round(usage.rss / 1024) };
	} finally {
		socket.close();
	}
}
