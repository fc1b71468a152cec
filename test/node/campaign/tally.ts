import type { INodeExecutionData } from 'n8n-workflow';

import type { RunResult } from '../../harness/in-process-n8n';
import { SECRET_KEY } from '../helpers';

/**
 * The campaign's findings, by kind. A case adds to a count when it sees the problem, and the
 * suite asserts at its end that leaks, wrong results and hangs are all zero.
 */
export const tally = { cases: 0, passed: 0, leaks: [] as string[], wrongResults: [] as string[], hangs: [] as string[], otherFailures: [] as string[] };

/** Fields whose signed URLs the next step needs; they are the only place one may appear. */
const SIGNED_URL_FIELDS = new Set(['input_url', 'output_url']);

function withoutSignedUrlFields(items: INodeExecutionData[]): unknown[] {
	return items.map(({ json, binary }) => ({
		json: Object.fromEntries(Object.entries(json).filter(([k]) => !SIGNED_URL_FIELDS.has(k))),
		// Binary metadata, not the file's bytes.
		binary: Object.fromEntries(Object.entries(binary ?? {}).map(([k, b]) => [k, { ...b, data: undefined }])),
	}));
}

/** Every place a secret must never be: output items, binary metadata, the error, everything logged. */
export function visibleText(result: RunResult | undefined, outputNodes: string[], logged: string[], thrown?: unknown): string {
	const parts: string[] = [...logged];
	if (result) {
		for (const node of outputNodes) for (const items of result.output(node)) parts.push(JSON.stringify(withoutSignedUrlFields(items)));
		const e = result.error as (Error & { description?: string; context?: unknown; messages?: unknown }) | undefined;
		if (e) parts.push(JSON.stringify({ m: e.message, d: e.description, c: e.context, ms: e.messages, s: e.stack }));
	}
	if (thrown) parts.push(String(thrown), JSON.stringify(thrown));
	return parts.join('\n');
}

/** What leaked, if anything: the key in any encoding, an api_key value, a storage signature. */
export function findLeaks(text: string): string[] {
	const found: string[] = [];
	if (text.includes(SECRET_KEY) || text.includes(encodeURIComponent(SECRET_KEY))) found.push('API key');
	if (/api_key(?:=|%3D|%253D)(?!\[redacted\])[A-Za-z0-9_]/i.test(text)) found.push('api_key value');
	if (/X-Goog-Signature(?:=|%3D|%253D)(?!\[redacted\])[0-9a-f]/i.test(text)) found.push('storage signature');
	return found;
}
