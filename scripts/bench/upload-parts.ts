/**
 * What bench:upload and probe:upload-gc share: the 1 GiB video file, the child processes they
 * serve from (the discarding sink, the emulator), and the count of full garbage collections that
 * says where an upload's CPU goes.
 */
import { spawn, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import { createWriteStream } from 'fs';
import { join } from 'path';
import { once } from 'events';
import { constants as perfConstants, PerformanceObserver } from 'perf_hooks';

const MIB = 1024 * 1024;
const ROOT = join(__dirname, '..', '..');

/** A file of `bytes` random bytes (written a MiB at a time). */
export async function writeVideoFile(path: string, bytes: number): Promise<void> {
	const out = createWriteStream(path);
	const chunk = randomBytes(MIB);
	for (let written = 0; written < bytes; written += MIB) {
		if (!out.write(chunk)) await once(out, 'drain');
	}
	out.end();
	await once(out, 'finish');
}

export interface Child {
	url: string;
	/** Lines the child printed after its first one. */
	lines: AsyncLineQueue;
	stop: () => Promise<void>;
}

/** The stdout lines of a child, handed out one at a time in the order they came. */
export class AsyncLineQueue {
	private readonly ready: string[] = [];
	private readonly waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
	private closed: Error | undefined;

	push(line: string): void {
		const waiter = this.waiting.shift();
		if (waiter) waiter.resolve(line);
		else this.ready.push(line);
	}

	/** No more lines will come: whoever waits, and waits later, gets `error`. */
	close(error: Error): void {
		this.closed = error;
		for (const waiter of this.waiting.splice(0)) waiter.reject(error);
	}

	async next(): Promise<string> {
		const line = this.ready.shift();
		if (line !== undefined) return line;
		if (this.closed) throw this.closed;
		return await new Promise<string>((resolve, reject) => this.waiting.push({ resolve, reject }));
	}
}

/**
 * Starts `node --import tsx <script> ...args` as one process (no tsx wrapper in between, so the
 * PID started is the one that serves) and waits for its first line to name its URL.
 */
export async function startChild(name: string, script: string, args: string[], urlPattern: RegExp): Promise<Child> {
	const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const lines = new AsyncLineQueue();
	let pending = '';
	let url: string | undefined;
	const started = new Promise<string>((resolve, reject) => {
		child.stdout!.on('data', (data: Buffer) => {
			pending += data.toString();
			let newline: number;
			while ((newline = pending.indexOf('\n')) !== -1) {
				const line = pending.slice(0, newline);
				pending = pending.slice(newline + 1);
				if (url !== undefined) {
					lines.push(line);
					continue;
				}
				const match = urlPattern.exec(line);
				if (match) resolve((url = match[1]));
			}
		});
		child.once('exit', (code, signal) => {
			const error = new Error(`${name} exited (${signal ?? code})`);
			lines.close(error);
			reject(error);
		});
		child.once('error', reject);
	});
	const stop = async (): Promise<void> => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = once(child, 'exit');
		process.kill(child.pid!, 'SIGTERM');
		await exited;
	};
	try {
		return { url: await started, lines, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/** End times (performance.now()) of this process's full (mark-compact) collections since the module loaded. */
const fullGcEnds: number[] = [];
new PerformanceObserver((list) => {
	for (const entry of list.getEntries()) {
		if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
			fullGcEnds.push(entry.startTime + entry.duration);
		}
	}
}).observe({ entryTypes: ['gc'] });

/** How many full collections ended between `from` and `to` (performance.now() times). */
export async function fullGcsSince(from: number, to: number): Promise<number> {
	// GC entries reach the observer asynchronously: let those of the last collections arrive.
	await new Promise((resolve) => setImmediate(resolve));
	return fullGcEnds.filter((end) => end >= from && end <= to).length;
}
