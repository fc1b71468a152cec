/**
 * Errors of the setup steps that say what happened, the cause and the fix, in one message a
 * caller prints as it is, and the helpers that pick the telling line out of a child's output.
 */

/**
 * A setup step failed for a reason the harness can name. Its message says what happened, the
 * cause and the fix; callers print the message alone.
 */
export class HarnessSetupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HarnessSetupError';
	}
}

export function firstLine(text: string): string {
	return (
		text
			.split('\n')
			.map((l) => l.trim())
			.find(Boolean) ?? ''
	);
}

/** The line of a child's stderr that says what went wrong (no stack frames). */
export function errorLine(stderr: string): string {
	const lines = stderr
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l && !l.startsWith('at ') && !/^\^+$/.test(l) && !l.startsWith('Node.js v'));
	return lines.find((l) => /\b(error|cannot|not found|invalid)\b/i.test(l)) ?? lines[0] ?? '(no output)';
}

export function childOutput(e: unknown): string {
	const err = e as { stderr?: Buffer | string; stdout?: Buffer | string; message?: string };
	return `${err.stderr?.toString() ?? ''}\n${err.stdout?.toString() ?? ''}`.trim() || (err.message ?? String(e));
}
