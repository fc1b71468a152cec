/**
 * Memory of another process, from /proc (Linux): its RSS sampled every few ms, and its own
 * high-water mark (VmHWM), which `echo 5 > /proc/<pid>/clear_refs` resets to the current RSS.
 * Both, because a sampler misses short peaks and the reset needs the process to be ours.
 * Shared by the benchmarks (scripts/) and the queue suite (test/queue).
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const MIB = 1024 * 1024;

/** A `VmXxx:` line of /proc/<pid>/status in bytes, or undefined when the process is gone. */
export function procStatusBytes(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | undefined {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

/** Resets the process's VmHWM to its current RSS; false when the kernel would not. */
export function resetPeakRss(pid: number | 'self'): boolean {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

/** CPU time (user + system) a process has used so far, in ms, or undefined when it is gone. */
export function procCpuMs(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name (which may hold spaces) in parentheses: utime is the 14th field, stime the 15th.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
	} catch {
		return undefined;
	}
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

export interface RssWatch {
	/** Stops sampling; the peak is the larger of the samples and VmHWM (if it could be reset). */
	stop(): { baselineBytes: number; peakBytes: number; growthBytes: number; gone: boolean; cpuMs?: number };
}

/** Samples `pid`'s RSS every `everyMs` from now on; the baseline is its RSS now. */
export function watchRss(pid: number, everyMs = 50): RssWatch {
	const baselineBytes = procStatusBytes(pid, 'VmRSS') ?? 0;
	const hwmReset = resetPeakRss(pid);
	const cpuAtStart = procCpuMs(pid);
	let peakBytes = baselineBytes;
	let gone = false;
	const sample = (): void => {
		const rss = procStatusBytes(pid, 'VmRSS');
		if (rss === undefined) gone = true;
		else if (rss > peakBytes) peakBytes = rss;
	};
	const timer = setInterval(sample, everyMs);
	return {
		stop() {
			clearInterval(timer);
			sample();
			const hwm = hwmReset ? procStatusBytes(pid, 'VmHWM') : undefined;
			if (hwm !== undefined && hwm > peakBytes) peakBytes = hwm;
			const cpuNow = procCpuMs(pid);
			const cpuMs = cpuNow !== undefined && cpuAtStart !== undefined ? cpuNow - cpuAtStart : undefined;
			return { baselineBytes, peakBytes, growthBytes: peakBytes - baselineBytes, gone, cpuMs };
		},
	};
}

export const mib = (bytes: number | undefined, digits = 0): string => (bytes === undefined ? 'n/a' : `${(bytes / MIB).toFixed(digits)} MiB`);
