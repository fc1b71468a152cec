/**
 * How much an output may put into n8n's execution data. n8n saves an execution's run data as
 * one JSON string: past V8's longest string (~512 Mi characters) the save fails and the
 * execution never ends, and well before that saving costs seconds and gigabytes. Outputs that
 * hold frames (One Item per Frame, Raw) are refused beyond this estimated size, before they are
 * built. Pure.
 *
 * The figure comes from measurements in a real n8n (README, "Performance"): see there for what
 * outputs of each size cost.
 */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export function formatMiB(bytes: number): string {
	const mib = bytes / (1024 * 1024);
	return `${mib >= 10 ? Math.round(mib) : mib.toFixed(1)} MiB`;
}

/** An output that would be too large for n8n to save. Its message and description say what fits instead. */
export class OutputTooLarge extends Error {
	readonly description: string;

	constructor(
		readonly output: string,
		readonly estimatedBytes: number,
		readonly limitBytes: number,
		/** Settings of the same output that would fit, in words. */
		narrower: string[] = [],
	) {
		super(
			`${output} would put about ${formatMiB(estimatedBytes)} into n8n's execution data, more than the ${formatMiB(limitBytes)} it can save safely`,
		);
		this.name = 'OutputTooLarge';
		this.description = [
			'Options that fit: Output: Summary (counts per class and time, for a file of any size);',
			"Output: Binary File (the results file itself, any size, kept in n8n's binary storage, e.g. for Google Drive or S3)",
			...(narrower.length ? [`or ${narrower.join(', or ')}`] : []),
			'; the Classes and Minimum Confidence options also make it smaller.',
		]
			.join(' ')
			.replace(' ;', ';');
	}
}
