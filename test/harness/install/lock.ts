/**
 * One installer at a time per install folder: parallel jest workers, or a demo next to a test
 * run, would otherwise run npm into the same folder at once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

import type { Log } from './cache';

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Exclusive lock through an O_EXCL file holding `pid hostname`. A lock whose process is gone
 * (same host) is stale and taken over.
 */
export async function withLock<T>(lockPath: string, log: Log, fn: () => Promise<T>): Promise<T> {
	const me = `${process.pid} ${os.hostname()}`;
	let announced = false;
	const deadline = Date.now() + 60 * 60 * 1000;
	for (;;) {
		try {
			fs.writeFileSync(lockPath, me, { flag: 'wx' });
			break;
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
		}
		let holder = '';
		try {
			holder = fs.readFileSync(lockPath, 'utf8');
		} catch {
			continue; // released between our two calls
		}
		const [pidText, host] = holder.split(' ');
		const pid = Number(pidText);
		if (host === os.hostname() && pid > 0 && !pidAlive(pid)) {
			// Stale: move it aside atomically (only one taker wins the rename), then retry.
			const aside = `${lockPath}.stale-${process.pid}`;
			try {
				fs.renameSync(lockPath, aside);
				const moved = fs.readFileSync(aside, 'utf8');
				fs.rmSync(aside, { force: true });
				if (moved !== holder) fs.writeFileSync(lockPath, moved, { flag: 'wx' }); // not ours to take
			} catch {
				/* someone else handled it */
			}
			continue;
		}
		if (!announced) {
			log(`n8n install: waiting for another installer (lock held by pid ${pidText})`);
			announced = true;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lockPath}`);
		await sleep(1000);
	}
	try {
		return await fn();
	} finally {
		try {
			if (fs.readFileSync(lockPath, 'utf8') === me) fs.rmSync(lockPath, { force: true });
		} catch {
			/* already gone */
		}
	}
}
