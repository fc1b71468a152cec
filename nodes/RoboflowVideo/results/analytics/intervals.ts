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
		// Strictly shorter, with room for float error (68.6 - 67.6 is 0.99999999999999...): a gap of
		// exactly Merge Gaps Shorter Than stays a gap. Overlaps (negative gaps) always join.
		const gap = last ? start - last.end : Infinity;
		if (last && (gap <= 0 || gap < mergeGapsShorterThan - 1e-6)) last.end = Math.max(last.end, end);
		else out.push({ start, end });
	}
	return out.filter((i) => i.end - i.start >= minimumDuration - 1e-6);
}

export function totalSeconds(intervals: Interval[]): number {
	return intervals.reduce((sum, i) => sum + (i.end - i.start), 0);
}
