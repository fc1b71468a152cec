/**
 * The n8n server process: spawned detached in its own process group (so stop() and kill()
 * reach its task runner too) with its output appended to `<userFolder>/n8n.log`; ready when
 * /healthz/readiness answers 200; stopped with SIGTERM (SIGKILL after a timeout) or killed at
 * once, with nothing of its group left behind either way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

import { N8N_VERSION, type Log } from '../install';
import { sleep } from './http';
import { groupAlive, killGroup, spawnReaper, trackGroup, untrackGroup } from './process-groups';

export interface N8nProcessConfig {
	nodePath: string;
	n8nBin: string;
	userFolder: string;
	logFile: string;
	baseUrl: string;
	childEnv: () => NodeJS.ProcessEnv;
	log: Log;
	/** n8n's command line after the binary: `['start']` unless given (a queue-mode worker: `['worker', '--concurrency=10']`). */
	args?: string[];
	/** Answers 200 once the process is ready: `<baseUrl>/healthz/readiness` unless given (a worker's health server). */
	readyUrl?: string;
}

export class N8nProcess {
	private child: ChildProcess | undefined;
	private reaper: ChildProcess | undefined;
	private exitPromise: Promise<void> = Promise.resolve();

	constructor(private readonly config: N8nProcessConfig) {}

	get running(): boolean {
		const child = this.child;
		return !!child && child.exitCode === null && child.signalCode === null;
	}

	/** PID of the last spawned n8n, running or not (undefined once stopped). */
	get childPid(): number | undefined {
		return this.child?.pid;
	}

	spawn(): void {
		const { nodePath, n8nBin, userFolder, logFile, baseUrl, childEnv, args = ['start'] } = this.config;
		const out = fs.openSync(logFile, 'a');
		fs.writeSync(out, `\n===== harness: starting n8n ${N8N_VERSION} (${args.join(' ')}) at ${new Date().toISOString()} on ${baseUrl} =====\n`);
		const proc = spawn(nodePath, [n8nBin, ...args], {
			cwd: userFolder,
			env: childEnv(),
			detached: true, // own process group: stop()/kill() reach the task runner too
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		const pgid = proc.pid!;
		trackGroup(pgid);
		this.reaper = spawnReaper(nodePath, pgid);
		this.exitPromise = new Promise<void>((resolve) => {
			proc.once('exit', () => {
				// Whatever n8n left behind in its group goes too.
				killGroup(pgid, 'SIGKILL');
				untrackGroup(pgid);
				resolve();
			});
		});
		this.child = proc;
	}

	tailLog(lines = 30): string {
		try {
			return fs.readFileSync(this.config.logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	}

	async waitReady(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (!this.running) throw new Error(`n8n exited before it was ready. Last log lines (${this.config.logFile}):\n${this.tailLog()}`);
			try {
				const res = await fetch(this.config.readyUrl ?? `${this.config.baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
				if (res.status === 200) return;
			} catch {
				/* not listening yet */
			}
			await sleep(250);
		}
		throw new Error(`n8n was not ready within ${timeoutMs} ms. Last log lines:\n${this.tailLog()}`);
	}

	/** SIGKILL the whole process group at once. */
	async kill(): Promise<void> {
		if (!this.child) return;
		const pgid = this.child.pid!;
		killGroup(pgid, 'SIGKILL');
		await this.exitPromise;
		this.reaper?.kill('SIGKILL');
		this.child = undefined;
	}

	/** SIGTERM, wait for the exit (SIGKILL after `timeoutMs`), then make sure the group is gone. */
	async stop(timeoutMs = 40_000): Promise<void> {
		const child = this.child;
		if (!child) return;
		const pgid = child.pid!;
		if (this.running) {
			child.kill('SIGTERM'); // n8n shuts its task runner down itself
			// The deadline's timer is cleared once n8n exits: left running, it kept the calling process
			// (jest, the demo) alive for the rest of the 40 s after every stop.
			let deadline: NodeJS.Timeout | undefined;
			const timedOut = await Promise.race([
				this.exitPromise.then(() => false),
				new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(true), timeoutMs))),
			]);
			clearTimeout(deadline);
			if (timedOut) {
				this.config.log(`n8n did not exit within ${timeoutMs} ms of SIGTERM; killing it`);
				killGroup(pgid, 'SIGKILL');
			}
		}
		await this.exitPromise;
		// Make sure nothing of the group survives (the exit handler already sent SIGKILL).
		for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
		this.reaper?.kill('SIGKILL');
		this.child = undefined;
	}
}
