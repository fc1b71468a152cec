/**
 * A server the queue stack runs besides n8n (Redis, PostgreSQL): spawned detached in its own
 * process group with its output appended to a log file, tracked like n8n's groups so that no
 * exit path of the harness leaves it running (process-groups.ts: exit/signal handlers and a
 * reaper), and stopped by its PID only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

import { sleep } from '../n8n/http';
import { groupAlive, installCleanupHandlers, killGroup, spawnReaper, trackGroup, untrackGroup } from '../n8n/process-groups';

export interface ServiceProcess {
	readonly name: string;
	readonly pid: number;
	readonly logFile: string;
	readonly running: boolean;
	/** Sends `signal` (the server's own clean shutdown), SIGKILLs the group after `timeoutMs`. */
	stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
	/** The log so far, to find a readiness line or explain a failure. */
	readLog(): string;
}

export interface ServiceSpawn {
	name: string;
	command: string;
	args: string[];
	logFile: string;
	env: NodeJS.ProcessEnv;
	cwd?: string;
	/** Run as this user (PostgreSQL refuses to run as root). */
	uid?: number;
	gid?: number;
}

export function spawnService(o: ServiceSpawn): ServiceProcess {
	installCleanupHandlers();
	const out = fs.openSync(o.logFile, 'a');
	const child: ChildProcess = spawn(o.command, o.args, {
		cwd: o.cwd,
		env: o.env,
		detached: true, // own process group: PostgreSQL's backends end with it
		stdio: ['ignore', out, out],
		uid: o.uid,
		gid: o.gid,
	});
	fs.closeSync(out);
	const pgid = child.pid!;
	trackGroup(pgid);
	const reaper = spawnReaper(process.execPath, pgid);
	const exited = new Promise<void>((resolve) =>
		child.once('exit', () => {
			killGroup(pgid, 'SIGKILL');
			untrackGroup(pgid);
			reaper.kill('SIGKILL');
			resolve();
		}),
	);
	return {
		name: o.name,
		pid: pgid,
		logFile: o.logFile,
		get running() {
			return child.exitCode === null && child.signalCode === null;
		},
		async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000) {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill(signal);
				let deadline: NodeJS.Timeout | undefined;
				await Promise.race([exited, new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMs)))]);
				clearTimeout(deadline);
				killGroup(pgid, 'SIGKILL');
			}
			await exited;
			for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
		},
		readLog: () => {
			try {
				return fs.readFileSync(o.logFile, 'utf8');
			} catch {
				return '';
			}
		},
	};
}

/** Waits until `ready()` holds; fails with the service's last log lines when it exits first or takes too long. */
export async function waitUntilReady(service: ServiceProcess, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!service.running) throw new Error(`${service.name} exited before it was ready. Last log lines (${service.logFile}):\n${tail(service.readLog())}`);
		if (await ready()) return;
		await sleep(200);
	}
	throw new Error(`${service.name} was not ready within ${timeoutMs} ms. Last log lines (${service.logFile}):\n${tail(service.readLog())}`);
}

function tail(text: string, lines = 20): string {
	return text.split('\n').slice(-lines).join('\n');
}
