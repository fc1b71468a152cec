/**
 * n8n's public API (/api/v1) with the owner's API key (`X-N8N-API-KEY`): credentials,
 * workflows and executions. It cannot start a run: start one through a Webhook trigger.
 */
import { describeBody, HttpError, readBody, sleep } from './http';
import type { ExecutionSummary, PublicApiClient } from './types';

/** Fields the public API accepts on POST /workflows (it rejects any other top-level field). */
function toPublicWorkflow(wf: Record<string, any>): Record<string, unknown> {
	const out: Record<string, unknown> = {
		name: wf.name ?? 'Imported workflow',
		nodes: wf.nodes ?? [],
		connections: wf.connections ?? {},
		settings: wf.settings ?? {},
	};
	if (wf.staticData) out.staticData = wf.staticData;
	return out;
}

function normalizeExecution(e: any): ExecutionSummary {
	return { ...e, id: String(e.id), workflowId: String(e.workflowId) };
}

/** `apiKey` is read at every call: the key may be created (or replaced) after the client. */
export function publicApiClient(baseUrl: string, apiKey: () => string): PublicApiClient {
	const apiCall = async <T = any>(method: string, apiPath: string, body?: unknown): Promise<T> => {
		const res = await fetch(`${baseUrl}/api/v1${apiPath}`, {
			method,
			headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': apiKey() },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const data = await readBody(res);
		if (res.status < 200 || res.status >= 300) {
			throw new HttpError(`${method} /api/v1${apiPath} -> HTTP ${res.status}: ${describeBody(data)}`, res.status, data);
		}
		return data as T;
	};

	const api: PublicApiClient = {
		get apiKey() {
			return apiKey();
		},
		request: apiCall,
		async createCredential(type, name, data) {
			return (await apiCall<{ id: string }>('POST', '/credentials', { type, name, data })).id;
		},
		async deleteCredential(id) {
			await apiCall('DELETE', `/credentials/${encodeURIComponent(id)}`);
		},
		async testCredential(id) {
			return await apiCall('POST', `/credentials/${encodeURIComponent(id)}/test`);
		},
		async createWorkflow(workflow) {
			return (await apiCall<{ id: string }>('POST', '/workflows', toPublicWorkflow(workflow))).id;
		},
		async activateWorkflow(id) {
			await apiCall('POST', `/workflows/${encodeURIComponent(id)}/activate`, {});
		},
		async deactivateWorkflow(id) {
			await apiCall('POST', `/workflows/${encodeURIComponent(id)}/deactivate`);
		},
		async getWorkflow(id) {
			return await apiCall('GET', `/workflows/${encodeURIComponent(id)}`);
		},
		async deleteWorkflow(id) {
			await apiCall('DELETE', `/workflows/${encodeURIComponent(id)}`);
		},
		async listExecutions(q = {}) {
			const params = new URLSearchParams();
			if (q.workflowId) params.set('workflowId', q.workflowId);
			if (q.status) params.set('status', q.status);
			if (q.includeData) params.set('includeData', 'true');
			params.set('limit', String(q.limit ?? 100));
			const res = await apiCall<{ data: ExecutionSummary[] }>('GET', `/executions?${params}`);
			return res.data.map(normalizeExecution);
		},
		async getExecution(id, includeData = false) {
			return normalizeExecution(
				await apiCall('GET', `/executions/${encodeURIComponent(id)}${includeData ? '?includeData=true' : ''}`),
			);
		},
		async waitForExecution(id, w = {}) {
			const deadline = Date.now() + (w.timeoutMs ?? 60_000);
			const done = w.until ?? ((e: ExecutionSummary) => !['new', 'running', 'waiting'].includes(e.status));
			let last: ExecutionSummary | undefined;
			while (Date.now() < deadline) {
				try {
					last = await api.getExecution(id, w.includeData ?? true);
					if (done(last)) return last;
				} catch (e) {
					if (!(e instanceof HttpError && e.status === 404)) throw e;
				}
				await sleep(500);
			}
			throw new Error(`execution ${id} not done within ${w.timeoutMs ?? 60_000} ms (last status: ${last?.status})`);
		},
	};
	return api;
}
