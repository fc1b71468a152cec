/** Runs a child (npm) with its output shown line by line, so a long install shows progress. */
import { spawn } from 'node:child_process';

import type { Log } from './cache';

/** Runs a command, streaming its output lines (prefixed) to `log`; rejects on a non-zero exit. */
export function runLogged(
	cmd: string,
	args: string[],
	opts: { cwd: string; env: NodeJS.ProcessEnv; log: Log; prefix: string },
): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail: string[] = [];
		const onData = (buf: Buffer) => {
			for (const line of buf.toString('utf8').split('\n')) {
				if (!line.trim()) continue;
				tail.push(line);
				if (tail.length > 40) tail = tail.slice(-40);
				opts.log(`${opts.prefix}${line}`);
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (code === 0) resolve();
			else
				reject(
					new Error(
						`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${opts.cwd}:\n${tail.join('\n')}`,
					),
				);
		});
	});
}
