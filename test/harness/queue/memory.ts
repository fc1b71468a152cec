/** A process's memory as Linux reports it (/proc/<pid>/status), and sampling it over a stretch of time. */
import * as fs from 'node:fs';

export interface ProcessMemory {
	/** Resident set size now, KiB. */
	rssKiB: number;
	/** Highest resident set size since the process started, KiB. */
	hwmKiB: number;
}

export function processMemory(pid: number): ProcessMemory {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
	return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Samples a process's RSS every `intervalMs` until stop(), which gives the first and the highest sample. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): { firstKiB: number; maxKiB: number; samples: number } } {
	const first = processMemory(pid).rssKiB;
	let max = first;
	let samples = 1;
	const timer = setInterval(() => {
		try {
			max = Math.max(max, processMemory(pid).rssKiB);
			samples++;
		} catch {
			/* the process is gone */
		}
	}, intervalMs);
	return {
		stop() {
			clearInterval(timer);
			return { firstKiB: first, maxKiB: max, samples };
		},
	};
}

export const mib = (kib: number) => Math.round(kib / 1024);
