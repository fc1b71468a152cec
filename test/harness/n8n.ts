/**
 * Starts a real, headless n8n on 127.0.0.1 for end-to-end tests and demos.
 *
 * - Free ports for n8n and its task-runner broker, a temp user folder (SQLite) unless one is
 *   given, every switch that keeps n8n from calling out, and an owner created from env.
 * - Waits for /healthz/readiness, logs in, creates a public API key.
 * - n8n runs in its own process group; stop()/kill() end the whole group, and a small reaper
 *   process plus exit/signal handlers end it when the harness itself goes away.
 * - n8n's stdout/stderr go to `<userFolder>/n8n.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { ensureN8nInstalled, harnessEnv, N8N_VERSION, type Log, type N8nInstallation } from './install';

export { N8N_VERSION, type Log } from './install';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST = '127.0.0.1';

/** Modules that call out to n8n's servers at start (see shared n8n notes). */
export const DISABLED_MODULES = 'mcp-registry,instance-ai,agents,workflow-builder,chat-hub';

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

/* ------------------------------------------------------------------ process bookkeeping */

const liveGroups = new Set<number>();
let handlersInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		/* gone */
	}
}

function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

function installCleanupHandlers(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on('exit', () => {
		for (const g of liveGroups) killGroup(g, 'SIGKILL');
	});
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		const handler = () => {
			for (const g of liveGroups) killGroup(g, 'SIGKILL');
			liveGroups.clear();
			process.removeListener(sig, handler);
			// Let any other handler run, then die of the same signal if nobody else handles it.
			if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
		};
		process.on(sig, handler);
	}
}

/**
 * A detached watchdog that SIGKILLs n8n's process group when the harness process dies without
 * running its exit handlers (e.g. a SIGKILLed jest worker).
 */
function spawnReaper(nodePath: string, pgid: number): ChildProcess {
	const script = `
const [parent, group] = process.argv.slice(1).map(Number);
const alive = (pid, grp) => { try { process.kill(grp ? -pid : pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
setInterval(() => {
  if (!alive(group, true)) process.exit(0);
  if (!alive(parent, false)) { try { process.kill(-group, 'SIGKILL'); } catch {} process.exit(0); }
}, 500);`;
	const reaper = spawn(nodePath, ['-e', script, String(process.pid), String(pgid)], {
		detached: true,
		stdio: 'ignore',
		env: harnessEnv(),
	});
	reaper.unref();
	return reaper;
}

/* ------------------------------------------------------------------ helpers */

async function freePort(exclude: number[] = []): Promise<number> {
	for (let i = 0; i < 20; i++) {
		const port = await new Promise<number>((resolve, reject) => {
			const srv = net.createServer();
			srv.unref();
			srv.on('error', reject);
			srv.listen(0, HOST, () => {
				const p = (srv.address() as net.AddressInfo).port;
				srv.close(() => resolve(p));
			});
		});
		if (!exclude.includes(port)) return port;
	}
	throw new Error('could not find a free port');
}

function bcryptHash(n8nRoot: string, password: string): string {
	// n8n itself hashes with bcryptjs (services/password.utility.js); use n8n's own copy.
	const bcryptPath = require.resolve('bcryptjs', { paths: [n8nRoot] });
	const bcrypt = require(bcryptPath) as { hashSync(s: string, rounds: number): string };
	return bcrypt.hashSync(password, 10);
}

async function readBody(res: Response): Promise<any> {
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

class HttpError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly body: unknown,
	) {
		super(message);
	}
}

function describe(body: unknown): string {
	const s = typeof body === 'string' ? body : JSON.stringify(body);
	return s.length > 800 ? `${s.slice(0, 800)}...` : s;
}

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

/* ------------------------------------------------------------------ start */

export async function startN8n(opts: StartN8nOptions = {}): Promise<N8nInstance> {
	const log: Log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
	const install = await ensureN8nInstalled({ log });
	const nodePath = path.join(install.nodeBin, 'node');

	const createdFolder = !opts.userFolder;
	const userFolder = opts.userFolder
		? path.resolve(opts.userFolder)
		: fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
	fs.mkdirSync(userFolder, { recursive: true });
	const logFile = path.join(userFolder, 'n8n.log');

	const port = await freePort();
	const brokerPort = await freePort([port]);
	const baseUrl = `http://${HOST}:${port}`;

	// Owner: reuse the credentials saved in the folder so that a second startN8n on the same
	// folder keeps the same login (the env-managed owner is overwritten at every start).
	const ownerFile = path.join(userFolder, 'e2e-owner.json');
	let owner: { email: string; password: string; passwordHash: string; apiKey?: string };
	if (fs.existsSync(ownerFile)) {
		owner = JSON.parse(fs.readFileSync(ownerFile, 'utf8'));
	} else {
		const password = `E2e-${randomBytes(9).toString('base64url')}1a`;
		owner = { email: 'owner@e2e.test', password, passwordHash: bcryptHash(install.n8nRoot, password) };
		fs.writeFileSync(ownerFile, JSON.stringify(owner, null, 2), { mode: 0o600 });
	}

	const env: Record<string, string> = {
		// A caller under jest has NODE_ENV=test, with which n8n does not start as a server.
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: HOST,
		N8N_HOST: HOST,
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		N8N_WEBHOOK_URL: `${baseUrl}/`,
		N8N_SECURE_COOKIE: 'false',
		DB_TYPE: 'sqlite',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: HOST,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DISABLED_MODULES: DISABLED_MODULES,
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: owner.passwordHash,
		N8N_INSTANCE_OWNER_FIRST_NAME: 'E2E',
		N8N_INSTANCE_OWNER_LAST_NAME: 'Owner',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LOG_OUTPUT: 'console',
		N8N_LOG_LEVEL: 'info',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		...(opts.env ?? {}),
	};
	// The caller's environment without npm's npm_config_*/npm_package_*/npm_lifecycle_* (see
	// harnessEnv) and without its N8N_* / DB_* / EXECUTIONS_* / QUEUE_* settings; Node 24 first
	// on PATH; then the settings above.
	const childEnv = (): NodeJS.ProcessEnv =>
		harnessEnv({ nodeBin: install.nodeBin, drop: /^(N8N_|DB_|WEBHOOK_URL$|EXECUTIONS_|QUEUE_)/, set: env });

	installCleanupHandlers();

	let child: ChildProcess | undefined;
	let reaper: ChildProcess | undefined;
	let exitPromise: Promise<void> = Promise.resolve();
	let lastStartMs = 0;
	let cookie = '';
	const browserId = randomBytes(8).toString('hex');

	const spawnN8n = () => {
		const out = fs.openSync(logFile, 'a');
		fs.writeSync(out, `\n===== harness: starting n8n ${N8N_VERSION} at ${new Date().toISOString()} on ${baseUrl} =====\n`);
		const proc = spawn(nodePath, [install.n8nBin, 'start'], {
			cwd: userFolder,
			env: childEnv(),
			detached: true, // own process group: stop()/kill() reach the task runner too
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		const pgid = proc.pid!;
		liveGroups.add(pgid);
		reaper = spawnReaper(nodePath, pgid);
		exitPromise = new Promise<void>((resolve) => {
			proc.once('exit', () => {
				// Whatever n8n left behind in its group goes too.
				killGroup(pgid, 'SIGKILL');
				liveGroups.delete(pgid);
				resolve();
			});
		});
		child = proc;
	};

	const isRunning = () => !!child && child.exitCode === null && child.signalCode === null;

	const tailLog = (lines = 30) => {
		try {
			return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	};

	const waitReady = async () => {
		const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
		while (Date.now() < deadline) {
			if (!isRunning()) throw new Error(`n8n exited before it was ready. Last log lines (${logFile}):\n${tailLog()}`);
			try {
				const res = await fetch(`${baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
				if (res.status === 200) return;
			} catch {
				/* not listening yet */
			}
			await sleep(250);
		}
		throw new Error(`n8n was not ready within ${opts.readyTimeoutMs ?? 120_000} ms. Last log lines:\n${tailLog()}`);
	};

	/* ---------------- REST (session cookie) */

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

	const restCall = async <T = any>(method: string, restPath: string, body?: unknown): Promise<T> => {
		const r = await restRaw(method, restPath, body);
		if (r.status < 200 || r.status >= 300) {
			throw new HttpError(`${method} ${restPath} -> HTTP ${r.status}: ${describe(r.data)}`, r.status, r.data);
		}
		return r.data && typeof r.data === 'object' && 'data' in r.data ? r.data.data : r.data;
	};

	const login = async () => {
		cookie = '';
		await restCall('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
		if (!cookie) throw new Error('POST /rest/login set no n8n-auth cookie');
	};

	const ensureApiKey = async () => {
		if (owner.apiKey) {
			// Still valid? (Same database, so it should be.)
			const res = await fetch(`${baseUrl}/api/v1/workflows?limit=1`, { headers: { 'X-N8N-API-KEY': owner.apiKey } });
			if (res.status === 200) return;
		}
		// The owner may have every scope its role allows (GET /rest/api-keys/scopes).
		const scopes = await restCall<string[]>('GET', '/api-keys/scopes');
		const created = await restCall<{ rawApiKey: string }>('POST', '/api-keys', {
			label: `e2e-${Date.now()}`,
			scopes,
			expiresAt: null,
		});
		owner.apiKey = created.rawApiKey;
		fs.writeFileSync(ownerFile, JSON.stringify(owner, null, 2), { mode: 0o600 });
	};

	const boot = async () => {
		const t0 = Date.now();
		spawnN8n();
		try {
			await waitReady();
			lastStartMs = Date.now() - t0;
			await login();
			await ensureApiKey();
		} catch (e) {
			await hardKill();
			throw e;
		}
		log(`n8n ${N8N_VERSION} ready on ${baseUrl} in ${(lastStartMs / 1000).toFixed(1)} s (pid ${child?.pid}, log ${logFile})`);
	};

	const hardKill = async () => {
		if (!child) return;
		const pgid = child.pid!;
		killGroup(pgid, 'SIGKILL');
		await exitPromise;
		reaper?.kill('SIGKILL');
		child = undefined;
	};

	const stop = async (stopOpts: { timeoutMs?: number } = {}) => {
		if (!child) return;
		const pgid = child.pid!;
		if (isRunning()) {
			child.kill('SIGTERM'); // n8n shuts its task runner down itself
			const timeout = stopOpts.timeoutMs ?? 40_000;
			const timedOut = await Promise.race([exitPromise.then(() => false), sleep(timeout).then(() => true)]);
			if (timedOut) {
				log(`n8n did not exit within ${timeout} ms of SIGTERM; killing it`);
				killGroup(pgid, 'SIGKILL');
			}
		}
		await exitPromise;
		// Make sure nothing of the group survives (the exit handler already sent SIGKILL).
		for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
		reaper?.kill('SIGKILL');
		child = undefined;
	};

	/* ---------------- public API */

	const apiCall = async <T = any>(method: string, apiPath: string, body?: unknown): Promise<T> => {
		const res = await fetch(`${baseUrl}/api/v1${apiPath}`, {
			method,
			headers: { 'content-type': 'application/json', 'X-N8N-API-KEY': owner.apiKey ?? '' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const data = await readBody(res);
		if (res.status < 200 || res.status >= 300) {
			throw new HttpError(`${method} /api/v1${apiPath} -> HTTP ${res.status}: ${describe(data)}`, res.status, data);
		}
		return data as T;
	};

	const api: PublicApiClient = {
		get apiKey() {
			return owner.apiKey ?? '';
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

	/* ---------------- REST client */

	const rest: RestClient = {
		request: restCall,
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

	/* ---------------- CLI */

	const runCli: N8nInstance['runCli'] = (args, cliOpts = {}) =>
		new Promise((resolve, reject) => {
			const proc = spawn(nodePath, [install.n8nBin, ...args], {
				cwd: userFolder,
				env: childEnv(),
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			const pgid = proc.pid!;
			liveGroups.add(pgid);
			let stdout = '';
			let stderr = '';
			proc.stdout!.on('data', (b) => (stdout += b));
			proc.stderr!.on('data', (b) => (stderr += b));
			const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), cliOpts.timeoutMs ?? 120_000);
			proc.on('error', reject);
			proc.on('close', (code) => {
				clearTimeout(timer);
				killGroup(pgid, 'SIGKILL');
				liveGroups.delete(pgid);
				fs.appendFileSync(logFile, `\n===== harness: n8n ${args.join(' ')} (exit ${code}) =====\n${stdout}${stderr}`);
				resolve({ code, stdout, stderr });
			});
		});

	const importWorkflowFile: N8nInstance['importWorkflowFile'] = async (file, imp = {}) => {
		const wf = JSON.parse(fs.readFileSync(file, 'utf8'));
		if (Array.isArray(wf)) throw new Error('importWorkflowFile: give one workflow per file');
		const via = imp.via ?? (isRunning() ? 'api' : 'cli');
		if (via === 'api') {
			if (!isRunning()) throw new Error("importWorkflowFile via 'api' needs a running n8n");
			return await api.createWorkflow(wf);
		}
		const r = await runCli(['import:workflow', `--input=${path.resolve(file)}`]);
		// Judge by the output, not only the exit code (n8n sometimes crashes at exit).
		if (!/Successfully imported/i.test(r.stdout + r.stderr)) {
			throw new Error(`n8n import:workflow failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
		}
		return wf.id;
	};

	/* ---------------- webhooks */

	const callWebhook: N8nInstance['callWebhook'] = async (webhookPath, method = 'POST', body, w = {}) => {
		const url = webhookPath.startsWith('/') ? `${baseUrl}${webhookPath}` : `${baseUrl}/webhook/${webhookPath}`;
		const deadline = Date.now() + (w.timeoutMs ?? 15_000);
		for (;;) {
			// Raw bytes (a video) go as they are; anything else as JSON.
			const raw = Buffer.isBuffer(body) || body instanceof Uint8Array;
			const res = await fetch(url, {
				method,
				headers: {
					...(body !== undefined ? { 'content-type': raw ? 'application/octet-stream' : 'application/json' } : {}),
					...(w.headers ?? {}),
				},
				body:
					body === undefined || method === 'GET' || method === 'HEAD'
						? undefined
						: raw
							? (body as Uint8Array)
							: JSON.stringify(body),
			});
			const data = await readBody(res);
			if (res.status === 404 && w.waitForRegistration !== false && Date.now() < deadline) {
				await sleep(300);
				continue;
			}
			return { status: res.status, headers: res.headers, data };
		}
	};

	await boot();

	const instance: N8nInstance = {
		baseUrl,
		port,
		brokerPort,
		userFolder,
		logFile,
		owner: { email: owner.email, password: owner.password },
		install,
		api,
		rest,
		get env() {
			return { ...env };
		},
		get running() {
			return isRunning();
		},
		get pid() {
			return isRunning() ? child?.pid : undefined;
		},
		get lastStartMs() {
			return lastStartMs;
		},
		callWebhook,
		async stop(s) {
			await stop(s);
			if (createdFolder && opts.removeUserFolderOnStop) fs.rmSync(userFolder, { recursive: true, force: true });
		},
		kill: hardKill,
		async restart() {
			await stop();
			await boot();
		},
		importWorkflowFile,
		runCli,
	};
	return instance;
}

/** SIGKILLs every n8n (and CLI) process group this harness process started, e.g. in a jest teardown. */
export function killAllN8n(): void {
	for (const g of liveGroups) killGroup(g, 'SIGKILL');
	liveGroups.clear();
}

function normalizeExecution(e: any): ExecutionSummary {
	return { ...e, id: String(e.id), workflowId: String(e.workflowId) };
}

export { HttpError };
