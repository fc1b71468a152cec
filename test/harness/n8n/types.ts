/** What startN8n takes and what it gives back: the instance, its two API clients, executions. */
import type { Log, N8nInstallation } from '../install';

export interface StartN8nOptions {
	/** Folder for n8n's data (SQLite, config, installed community packages). A temp folder if omitted. */
	userFolder?: string;
	/** Extra or overriding environment variables for n8n. */
	env?: Record<string, string>;
	/** Progress lines (install, start, ready). Defaults to stderr. */
	log?: Log;
	/** How long to wait for /healthz/readiness, ms. Default 120 s. */
	readyTimeoutMs?: number;
	/** Remove the temp user folder on stop() when the harness created it. Default false (keep logs). */
	removeUserFolderOnStop?: boolean;
}

export interface HttpResult<T = any> {
	status: number;
	headers: Headers;
	/** Parsed JSON when the response is JSON, else the text. */
	data: T;
}

export interface ExecutionSummary {
	id: string;
	finished: boolean;
	mode: string;
	status: string;
	startedAt: string;
	stoppedAt: string | null;
	workflowId: string;
	waitTill: string | null;
	data?: any;
	[key: string]: unknown;
}

export interface PublicApiClient {
	readonly apiKey: string;
	/** Any /api/v1 call; throws on a non-2xx status. */
	request<T = any>(method: string, apiPath: string, body?: unknown): Promise<T>;
	createCredential(type: string, name: string, data: Record<string, unknown>): Promise<string>;
	deleteCredential(id: string): Promise<void>;
	/** POST /api/v1/credentials/{id}/test (tests the stored data). */
	testCredential(id: string): Promise<{ status: string; message: string }>;
	createWorkflow(workflow: Record<string, unknown>): Promise<string>;
	activateWorkflow(id: string): Promise<void>;
	deactivateWorkflow(id: string): Promise<void>;
	getWorkflow(id: string): Promise<any>;
	deleteWorkflow(id: string): Promise<void>;
	listExecutions(opts?: {
		workflowId?: string;
		status?: 'canceled' | 'error' | 'running' | 'success' | 'waiting';
		includeData?: boolean;
		limit?: number;
	}): Promise<ExecutionSummary[]>;
	getExecution(id: string, includeData?: boolean): Promise<ExecutionSummary>;
	/** Polls getExecution until its status is not new/running/waiting (or `until` says so). */
	waitForExecution(
		id: string,
		opts?: { timeoutMs?: number; includeData?: boolean; until?: (e: ExecutionSummary) => boolean },
	): Promise<ExecutionSummary>;
}

export interface RestClient {
	/** Any /rest call with the owner's session cookie; throws on a non-2xx status. Returns `data` of n8n's `{data}` envelope. */
	request<T = any>(method: string, restPath: string, body?: unknown): Promise<T>;
	/** The bytes of a file in n8n's binary store, as the editor downloads it (`GET /rest/binary-data`). */
	binaryData(id: string): Promise<Buffer>;
	/**
	 * The editor's credential test, `POST /rest/credentials/test`.
	 * - a credential id: tests the stored credential (like opening it and pressing Retry);
	 * - `{ id, data }`: tests a stored credential with changed fields (merged over the stored data);
	 * - `{ type, data }` without id: saves a temporary credential, tests it, deletes it.
	 */
	testCredential(
		target: string | { id?: string; type?: string; name?: string; data?: Record<string, unknown> },
	): Promise<{ status: string; message: string }>;
	/** Node type descriptions n8n has loaded (`GET /types/nodes.json`). */
	getNodeTypes(): Promise<Array<{ name: string; version: number | number[]; displayName: string; [k: string]: unknown }>>;
	/** Credential type descriptions (`GET /types/credentials.json`). */
	getCredentialTypes(): Promise<Array<{ name: string; displayName: string; [k: string]: unknown }>>;
}

export interface N8nInstance {
	readonly baseUrl: string;
	readonly port: number;
	readonly brokerPort: number;
	readonly userFolder: string;
	/** n8n's stdout+stderr (appended across restarts). */
	readonly logFile: string;
	readonly owner: { email: string; password: string };
	readonly install: N8nInstallation;
	readonly api: PublicApiClient;
	readonly rest: RestClient;
	/** Environment n8n runs with (for CLI commands against the same user folder). */
	readonly env: Record<string, string>;
	/** Whether the n8n process is running. */
	readonly running: boolean;
	/** PID of the n8n main process (undefined when stopped). */
	readonly pid: number | undefined;
	/** Milliseconds from spawn to readiness of the last start. */
	readonly lastStartMs: number;
	/**
	 * Calls `/webhook/<path>` (or a full path starting with '/'); with waitForRegistration (default
	 * true) a 404 is retried for up to `timeoutMs` (default 15 s) while webhooks register.
	 */
	callWebhook<T = any>(
		webhookPath: string,
		method?: string,
		body?: unknown,
		opts?: { waitForRegistration?: boolean; timeoutMs?: number; headers?: Record<string, string> },
	): Promise<HttpResult<T>>;
	/** Graceful stop: SIGTERM, wait for exit, SIGKILL after `timeoutMs` (default 40 s; n8n itself waits up to 30 s for running executions). */
	stop(opts?: { timeoutMs?: number }): Promise<void>;
	/** SIGKILL the whole process group at once (crash tests). */
	kill(): Promise<void>;
	/** Start again on the same user folder and ports; the owner and API key stay valid. */
	restart(): Promise<void>;
	/**
	 * Imports a workflow file (one workflow object). `via: 'api'` (default while n8n runs): public
	 * API POST /workflows, n8n assigns a new id, which is returned. `via: 'cli'` (default while
	 * stopped; also works while running, SQLite in WAL mode): `n8n import:workflow --input=<file>`,
	 * keeps the file's id (returned; undefined if the file has none). Imported workflows are inactive.
	 */
	importWorkflowFile(file: string, opts?: { via?: 'api' | 'cli' }): Promise<string | undefined>;
	/** Runs an n8n CLI command against this user folder (e.g. ['import:workflow', '--input=x']). */
	runCli(args: string[], opts?: { timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
}
