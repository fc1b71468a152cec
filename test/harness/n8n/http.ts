/** What every client of a running n8n shares: reading an answer, and the error for a non-2xx status. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parsed JSON when the response says JSON, else the text. */
export async function readBody(res: Response): Promise<any> {
	const text = await res.text();
	if ((res.headers.get('content-type') ?? '').includes('json') && text) {
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
	return text;
}

export class HttpError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly body: unknown,
	) {
		super(message);
	}
}

/** A body for an error message, cut at 800 characters. */
export function describeBody(body: unknown): string {
	const s = typeof body === 'string' ? body : JSON.stringify(body);
	return s.length > 800 ? `${s.slice(0, 800)}...` : s;
}
