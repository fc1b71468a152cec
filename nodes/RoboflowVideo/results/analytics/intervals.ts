/** Stretches of time, in seconds. Pure. */

export interface Interval {
	start: number;
	end: number;
}

/**
 * The union of intervals, with gaps shorter than `mergeGapsShorterThan` joined and what is then
 * shorter than `minimumDuration` dropped. Sorted by start.
 */
export function unite(intervals: Interval[], mergeGapsShorterThan = 0, minimumDuration = 0): Interval[] {
	const sorted = [...intervals].sort((a, b) => a.start - b.start);
	const out: Interval[] = [];
	for (const { start, end } of sorted) {
		const last = out[out.length - 1];
		if (last && start - last.end < mergeGapsShorterThan + 1e-9) last.end = Math.max(last.end, end);
		else out.push({ start, end });
	}
	return out.filter((i) => i.end - i.start >= minimumDuration - 1e-9);
}

export function totalSeconds(intervals: Interval[]): number {
	return intervals.reduce((sum, i) => sum + (i.end - i.start), 0);
}
