/**
 * Every n8n (and n8n CLI run) the harness starts runs detached in its own process group, so
 * that its JS task runner and anything else it spawns end with it. This module keeps the
 * groups that are alive and makes sure none outlives the harness: exit and signal handlers,
 * and a detached reaper for when the harness dies without running them.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import { harnessEnv } from '../install';

const liveGroups = new Set<number>();
let handlersInstalled = false;

export function trackGroup(pgid: number): void {
	liveGroups.add(pgid);
}

export function untrackGroup(pgid: number): void {
	liveGroups.delete(pgid);
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		/* gone */
	}
}

export function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export function installCleanupHandlers(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on('exit', () => {
		for (const g of liveGroups) killGroup(g, 'SIGKILL');
	});
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		const handler = () => {
			for (const g of liveGroups) killGroup(g, 'SIGKILL');
			liveGroups.clear();
			process.removeListener(sig, handler);
			// Let any other handler run, then die of the same signal if nobody else handles it.
			if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
		};
		process.on(sig, handler);
	}
}

/**
 * A detached watchdog that SIGKILLs n8n's process group when the harness process dies without
 * running its exit handlers (e.g. a SIGKILLed jest worker).
 */
export function spawnReaper(nodePath: string, pgid: number): ChildProcess {
	const script = `
const [parent, group] = process.argv.slice(1).map(Number);
const alive = (pid, grp) => { try { process.kill(grp ? -pid : pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
setInterval(() => {
  if (!alive(group, true)) process.exit(0);
  if (!alive(parent, false)) { try { process.kill(-group, 'SIGKILL'); } catch {} process.exit(0); }
}, 500);`;
	const reaper = spawn(nodePath, ['-e', script, String(process.pid), String(pgid)], {
		detached: true,
		stdio: 'ignore',
		env: harnessEnv(),
	});
	reaper.unref();
	return reaper;
}

/** SIGKILLs every n8n (and CLI) process group this harness process started, e.g. in a jest teardown. */
export function killAllN8n(): void {
	for (const g of liveGroups) killGroup(g, 'SIGKILL');
	liveGroups.clear();
}
