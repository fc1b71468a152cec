/**
 * n8n's internal REST API (/rest) as the editor uses it: with the owner's session cookie
 * (`n8n-auth`, taken from any answer that sets it) and a fixed `browser-id` header on every
 * call, because n8n binds the session to it.
 */
import { randomBytes } from 'node:crypto';

import { describeBody, HttpError, readBody } from './http';
import type { HttpResult, RestClient } from './types';

export interface RestSession {
	/** Any /rest (or /types) call; throws on a non-2xx status. Returns `data` of n8n's `{data}` envelope. */
	call<T = any>(method: string, restPath: string, body?: unknown): Promise<T>;
	/** A GET whose answer is bytes; throws on a non-2xx status. */
	bytes(restPath: string): Promise<Buffer>;
	/** Forgets the session cookie (before signing in again). */
	clearCookie(): void;
	readonly hasCookie: boolean;
}

export function restSession(baseUrl: string): RestSession {
	let cookie = '';
	const browserId = randomBytes(8).toString('hex');

	const restRaw = async (method: string, restPath: string, body?: unknown): Promise<HttpResult> => {
		const url = restPath.startsWith('/rest/') || restPath.startsWith('/types/') ? `${baseUrl}${restPath}` : `${baseUrl}/rest${restPath}`;
		const res = await fetch(url, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': browserId,
				...(cookie ? { cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = res.headers.getSetCookie?.() ?? [];
		for (const c of setCookie) {
			const m = /^n8n-auth=([^;]*)/.exec(c);
			if (m) cookie = `n8n-auth=${m[1]}`;
		}
		return { status: res.status, headers: res.headers, data: await readBody(res) };
	};

	const call = async <T = any>(method: string, restPath: string, body?: unknown): Promise<T> => {
		const r = await restRaw(method, restPath, body);
		if (r.status < 200 || r.status >= 300) {
			throw new HttpError(`${method} ${restPath} -> HTTP ${r.status}: ${describeBody(r.data)}`, r.status, r.data);
		}
		return r.data && typeof r.data === 'object' && 'data' in r.data ? r.data.data : r.data;
	};

	const bytes = async (restPath: string): Promise<Buffer> => {
		const res = await fetch(`${baseUrl}/rest${restPath}`, { headers: { 'browser-id': browserId, ...(cookie ? { cookie } : {}) } });
		if (!res.ok) throw new HttpError(`GET ${restPath} -> HTTP ${res.status}`, res.status, await res.text());
		return Buffer.from(await res.arrayBuffer());
	};

	return {
		call,
		bytes,
		clearCookie: () => {
			cookie = '';
		},
		get hasCookie() {
			return cookie !== '';
		},
	};
}

/** The REST calls the tests use: the editor's credential test and the loaded node and credential types. */
export function restClient(session: RestSession): RestClient {
	const restCall = session.call;
	return {
		request: restCall,
		binaryData: async (id) => await session.bytes(`/binary-data?id=${encodeURIComponent(id)}&action=download`),
		async testCredential(target) {
			if (typeof target === 'string') target = { id: target };
			let tempId: string | undefined;
			try {
				let { id, type, name, data } = target;
				if (!id) {
					if (!type) throw new Error('testCredential: give an id or a type');
					const created = await restCall<{ id: string }>('POST', '/credentials', {
						name: name ?? `e2e credential test ${Date.now()}`,
						type,
						data: data ?? {},
					});
					id = tempId = created.id;
				}
				// Like the editor: send the credential as it is shown (redacted), with any changed
				// fields; n8n merges the stored secrets back in before testing.
				const stored = await restCall<{ id: string; name: string; type: string; data?: Record<string, unknown> }>(
					'GET',
					`/credentials/${encodeURIComponent(id)}?includeData=true`,
				);
				return await restCall('POST', '/credentials/test', {
					credentials: {
						id: stored.id,
						name: stored.name,
						type: stored.type,
						data: { ...(stored.data ?? {}), ...(tempId ? {} : (data ?? {})) },
					},
				});
			} finally {
				if (tempId) await restCall('DELETE', `/credentials/${encodeURIComponent(tempId)}`).catch(() => undefined);
			}
		},
		async getNodeTypes() {
			return await restCall('GET', '/types/nodes.json');
		},
		async getCredentialTypes() {
			return await restCall('GET', '/types/credentials.json');
		},
	};
}
