/** What the smoke test looks at from outside n8n: its processes, and whom they talk to. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

import { harnessEnv } from '../install';

/** Processes whose working folder or N8N_USER_FOLDER is this user folder (n8n, its task runner, CLI runs). */
export function processesOf(userFolder: string): string[] {
	const found: string[] = [];
	for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
		try {
			const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
			const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
			if (cwd === userFolder || environ.includes(`N8N_USER_FOLDER=${userFolder}`)) {
				found.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
			}
		} catch {
			/* gone or not ours */
		}
	}
	return found;
}

/** Non-loopback TCP/UDP peers of n8n's processes (should stay empty). */
export function externalSockets(pids: number[]): string[] {
	if (!pids.length) return [];
	let out = '';
	try {
		out = execFileSync('ss', ['-tunapH'], { encoding: 'utf8', env: harnessEnv() });
	} catch {
		return ['(ss not available)'];
	}
	return out
		.split('\n')
		.filter((l) => pids.some((p) => l.includes(`pid=${p},`)))
		.filter((l) => {
			const cols = l.trim().split(/\s+/);
			const peer = cols[5] ?? '';
			return !/^(127\.|\[::1\]|\[::ffff:127\.|\*|0\.0\.0\.0)/.test(peer);
		});
}

export function groupPids(pgid: number): number[] {
	try {
		return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8', env: harnessEnv() })
			.split('\n')
			.filter(Boolean)
			.map(Number);
	} catch {
		return [];
	}
}
