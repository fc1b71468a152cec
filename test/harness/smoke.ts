/**
 * Self-check of the e2e harness against a real n8n. Not a jest test: run it by hand.
 *
 *   npx tsx test/harness/smoke.ts            # everything, about 3 minutes when installed
 *   npx tsx test/harness/smoke.ts --quick    # without the 70 s Wait-across-restart check
 *
 * It builds a throw-away community package (one node, one credential) in a temp folder, installs
 * it like n8n does, starts n8n, and checks: the node and credential types load; the credential
 * test (REST and public API) against a local HTTP server; Webhook -> dummy node -> Set through
 * the public API with the execution read back; workflow import (API while running, CLI while
 * stopped); SIGKILL and restart; a Wait node of 70 s surviving a restart; no process left.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

import { installCommunityPackage } from './community-package';
import { ensureN8nInstalled, harnessEnv } from './install';
import { startN8n, type N8nInstance } from './n8n';

const quick = process.argv.includes('--quick');
const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;
const log = (l: string) => console.log(`${stamp()} ${l}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let failures = 0;
let passes = 0;
function check(what: string, ok: boolean, detail?: unknown) {
	if (ok) passes++;
	else failures++;
	log(`${ok ? 'PASS' : 'FAIL'} ${what}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
}

/* ------------------------------------------------------------------ throw-away package */

const PKG = 'n8n-nodes-e2e-harness-dummy';

function buildDummyPackage(dir: string): string {
	fs.mkdirSync(path.join(dir, 'dist', 'nodes', 'E2eDummy'), { recursive: true });
	fs.mkdirSync(path.join(dir, 'dist', 'credentials'), { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: PKG,
				version: '0.0.1',
				license: 'MIT',
				keywords: ['n8n-community-node-package'],
				files: ['dist'],
				n8n: {
					n8nNodesApiVersion: 1,
					credentials: ['dist/credentials/E2eDummyApi.credentials.js'],
					nodes: ['dist/nodes/E2eDummy/E2eDummy.node.js'],
				},
				peerDependencies: { 'n8n-workflow': '*' },
				devDependencies: { typescript: '5.9' },
			},
			null,
			2,
		),
	);
	fs.writeFileSync(
		path.join(dir, 'dist', 'credentials', 'E2eDummyApi.credentials.js'),
		`"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
class E2eDummyApi {
  constructor() {
    this.name = 'e2eDummyApi';
    this.displayName = 'E2E Dummy API';
    this.documentationUrl = 'https://example.invalid/docs';
    this.properties = [
      { displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
      { displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
    ];
    this.authenticate = { type: 'generic', properties: { qs: { api_key: '={{$credentials.apiKey}}' } } };
    this.test = { request: { baseURL: '={{$credentials.baseUrl}}', url: '/check' } };
  }
}
exports.E2eDummyApi = E2eDummyApi;
`,
	);
	fs.writeFileSync(
		path.join(dir, 'dist', 'nodes', 'E2eDummy', 'E2eDummy.node.js'),
		`"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const { NodeConnectionTypes } = require('n8n-workflow');
class E2eDummy {
  constructor() {
    this.description = {
      displayName: 'E2E Dummy',
      name: 'e2eDummy',
      group: ['transform'],
      version: 1,
      description: 'Marks items (harness self-check)',
      defaults: { name: 'E2E Dummy' },
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'e2eDummyApi', required: false }],
      properties: [{ displayName: 'Mark', name: 'mark', type: 'string', default: 'dummy' }],
    };
  }
  async execute() {
    const items = this.getInputData();
    return [items.map((item, i) => ({ json: { ...item.json, mark: this.getNodeParameter('mark', i) }, pairedItem: { item: i } }))];
  }
}
exports.E2eDummy = E2eDummy;
`,
	);
	const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
		cwd: dir,
		encoding: 'utf8',
		env: harnessEnv(),
	});
	return path.join(dir, out.trim().split('\n').pop()!.trim());
}

/* ------------------------------------------------------------------ local server for the credential test */

function startCheckServer(): Promise<{ url: string; close: () => void; hits: string[] }> {
	const hits: string[] = [];
	const srv = http.createServer((req, res) => {
		hits.push(req.url ?? '');
		const key = new URL(req.url ?? '/', 'http://x').searchParams.get('api_key');
		res.setHeader('content-type', 'application/json');
		if (key === 'good-key') res.end('{"ok":true}');
		else {
			res.statusCode = 401;
			res.end('{"message":"bad key"}');
		}
	});
	return new Promise((resolve) =>
		srv.listen(0, '127.0.0.1', () => {
			const port = (srv.address() as { port: number }).port;
			resolve({ url: `http://127.0.0.1:${port}`, close: () => srv.close(), hits });
		}),
	);
}

/* ------------------------------------------------------------------ helpers */

/** Processes whose working folder or N8N_USER_FOLDER is this user folder (n8n, its task runner, CLI runs). */
function processesOf(userFolder: string): string[] {
	const found: string[] = [];
	for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
		try {
			const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
			const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
			if (cwd === userFolder || environ.includes(`N8N_USER_FOLDER=${userFolder}`)) {
				found.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
			}
		} catch {
			/* gone or not ours */
		}
	}
	return found;
}

/** Non-loopback TCP/UDP peers of n8n's processes (should stay empty). */
function externalSockets(pids: number[]): string[] {
	if (!pids.length) return [];
	let out = '';
	try {
		out = execFileSync('ss', ['-tunapH'], { encoding: 'utf8', env: harnessEnv() });
	} catch {
		return ['(ss not available)'];
	}
	return out
		.split('\n')
		.filter((l) => pids.some((p) => l.includes(`pid=${p},`)))
		.filter((l) => {
			const cols = l.trim().split(/\s+/);
			const peer = cols[5] ?? '';
			return !/^(127\.|\[::1\]|\[::ffff:127\.|\*|0\.0\.0\.0)/.test(peer);
		});
}

function groupPids(pgid: number): number[] {
	try {
		return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8', env: harnessEnv() })
			.split('\n')
			.filter(Boolean)
			.map(Number);
	} catch {
		return [];
	}
}

const webhookSetWorkflow = (hookPath: string) => ({
	name: `smoke ${hookPath}`,
	nodes: [
		{
			id: 'c1f5b7a0-0000-4000-8000-000000000001',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'c1f5b7a0-0000-4000-8000-0000000000a1',
			parameters: { httpMethod: 'POST', path: hookPath, responseMode: 'lastNode', options: {} },
		},
		{
			id: 'c1f5b7a0-0000-4000-8000-000000000002',
			name: 'Dummy',
			type: `${PKG}.e2eDummy`,
			typeVersion: 1,
			position: [200, 0],
			parameters: { mark: 'from-community-node' },
		},
		{
			id: 'c1f5b7a0-0000-4000-8000-000000000003',
			name: 'Set',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [400, 0],
			parameters: {
				assignments: {
					assignments: [
						{ id: 'a1', name: 'greeting', value: '={{ "hello " + $json.body.who }}', type: 'string' },
						{ id: 'a2', name: 'mark', value: '={{ $json.mark }}', type: 'string' },
					],
				},
				options: {},
			},
		},
	],
	connections: {
		Webhook: { main: [[{ node: 'Dummy', type: 'main', index: 0 }]] },
		Dummy: { main: [[{ node: 'Set', type: 'main', index: 0 }]] },
	},
	settings: { executionOrder: 'v1' },
});

const waitWorkflow = {
	name: 'smoke wait 70s',
	nodes: [
		{
			id: 'd2f5b7a0-0000-4000-8000-000000000001',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'd2f5b7a0-0000-4000-8000-0000000000a1',
			parameters: { httpMethod: 'POST', path: 'smoke-wait', responseMode: 'onReceived', options: {} },
		},
		{
			id: 'd2f5b7a0-0000-4000-8000-000000000002',
			name: 'Wait',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [200, 0],
			webhookId: 'd2f5b7a0-0000-4000-8000-0000000000a2',
			parameters: { resume: 'timeInterval', amount: 70, unit: 'seconds' },
		},
		{
			id: 'd2f5b7a0-0000-4000-8000-000000000003',
			name: 'Set',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [400, 0],
			parameters: {
				assignments: { assignments: [{ id: 'w1', name: 'resumedAt', value: '={{ $now.toISO() }}', type: 'string' }] },
				includeOtherFields: true,
				options: {},
			},
		},
	],
	connections: {
		Webhook: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
		Wait: { main: [[{ node: 'Set', type: 'main', index: 0 }]] },
	},
	settings: { executionOrder: 'v1' },
};

/* ------------------------------------------------------------------ main */

async function main() {
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-harness-smoke-'));
	const userFolder = path.join(scratch, 'n8n');
	let n8n: N8nInstance | undefined;
	const server = await startCheckServer();
	try {
		let t = Date.now();
		const install = await ensureN8nInstalled({ log });
		log(`install ready in ${Date.now() - t} ms`);

		// Community package, installed before the first start.
		const tarball = buildDummyPackage(path.join(scratch, 'pkg'));
		const installed = await installCommunityPackage(tarball, userFolder, install.n8nRoot, { log });
		check('package installed with its node type', installed.nodeTypes.includes(`${PKG}.e2eDummy`), installed.nodeTypes);
		const pkgJson = JSON.parse(fs.readFileSync(path.join(installed.packageDir, 'package.json'), 'utf8'));
		check('dev/peer deps stripped', !pkgJson.devDependencies && !pkgJson.peerDependencies);

		t = Date.now();
		n8n = await startN8n({ userFolder, log });
		log(`startN8n resolved in ${Date.now() - t} ms (readiness after ${n8n.lastStartMs} ms)`);
		const pgid = n8n.pid!;
		const pids = groupPids(pgid);
		log(`n8n process group ${pgid}: ${pids.length} processes`);
		check('the user-folder process finder sees n8n', processesOf(userFolder).length >= 1, processesOf(userFolder));

		const nodeTypes = await n8n.rest.getNodeTypes();
		check('n8n lists the community node type', nodeTypes.some((n) => n.name === `${PKG}.e2eDummy`));
		const credTypes = await n8n.rest.getCredentialTypes();
		check('n8n lists the community credential type', credTypes.some((c) => c.name === 'e2eDummyApi'));

		// Credential test against the local server.
		const goodId = await n8n.api.createCredential('e2eDummyApi', 'good', { baseUrl: server.url, apiKey: 'good-key' });
		const badId = await n8n.api.createCredential('e2eDummyApi', 'bad', { baseUrl: server.url, apiKey: 'nope' });
		const good = await n8n.rest.testCredential(goodId);
		check('REST credential test OK for a good key', good.status === 'OK', good);
		const bad = await n8n.rest.testCredential(badId);
		check('REST credential test Error for a bad key', bad.status === 'Error', bad);
		const fixed = await n8n.rest.testCredential({ id: badId, data: { apiKey: 'good-key' } });
		check('REST credential test with changed data', fixed.status === 'OK', fixed);
		const unsaved = await n8n.rest.testCredential({ type: 'e2eDummyApi', data: { baseUrl: server.url, apiKey: 'good-key' } });
		check('REST credential test of unsaved data', unsaved.status === 'OK', unsaved);
		const viaApi = await n8n.api.testCredential(badId);
		check('public API credential test', viaApi.status === 'Error', viaApi);
		check('credential tests reached the local server', server.hits.length >= 5, server.hits.length);

		// Webhook -> community node -> Set.
		const wfId = await n8n.api.createWorkflow(webhookSetWorkflow('smoke'));
		await n8n.api.activateWorkflow(wfId);
		const res = await n8n.callWebhook('smoke', 'POST', { who: 'world' });
		check('webhook answered with the Set output', res.status === 200 && res.data?.greeting === 'hello world', res.data);
		const [summary] = await n8n.api.listExecutions({ workflowId: wfId });
		const exec = await n8n.api.waitForExecution(summary.id, { includeData: true });
		const setOut = exec.data?.resultData?.runData?.Set?.[0]?.data?.main?.[0]?.[0]?.json;
		check('execution read back with the Set node output', exec.status === 'success' && setOut?.mark === 'from-community-node', setOut);

		const ext = externalSockets(groupPids(pgid));
		check('n8n has no non-loopback sockets', ext.length === 0, ext);

		// Import while running (public API).
		const wfFile = path.join(scratch, 'wf.json');
		fs.writeFileSync(wfFile, JSON.stringify({ ...webhookSetWorkflow('imported'), id: 'SmokeImported0001', active: false }));
		const importedId = await n8n.importWorkflowFile(wfFile);
		check('importWorkflowFile while running (API)', !!importedId && !!(await n8n.api.getWorkflow(importedId!)).id, importedId);

		// Crash and restart: owner and API key still valid, webhooks come back.
		await n8n.kill();
		check('kill() leaves no process', processesOf(userFolder).length === 0, processesOf(userFolder));
		// Import while stopped (CLI).
		fs.writeFileSync(wfFile, JSON.stringify({ ...webhookSetWorkflow('imported-cli'), id: 'SmokeImportCli01', active: false }));
		t = Date.now();
		const cliId = await n8n.importWorkflowFile(wfFile);
		log(`CLI import took ${Date.now() - t} ms`);
		check('kill() left nothing after the CLI import either', processesOf(userFolder).length === 0);
		t = Date.now();
		await n8n.restart();
		log(`restart after kill took ${Date.now() - t} ms`);
		const wfCli = await n8n.api.getWorkflow(cliId!);
		check('CLI-imported workflow is there after restart', wfCli.id === cliId, wfCli.name);
		const again = await n8n.callWebhook('smoke', 'POST', { who: 'again' });
		check('webhook works after kill + restart with the same API key', again.data?.greeting === 'hello again', again.data);

		if (!quick) {
			const waitId = await n8n.api.createWorkflow(waitWorkflow);
			await n8n.api.activateWorkflow(waitId);
			const started = Date.now();
			const r = await n8n.callWebhook('smoke-wait', 'POST', { job: 1 });
			check('wait workflow started', r.status === 200, r.data);
			let waiting: string | undefined;
			for (let i = 0; i < 40 && !waiting; i++) {
				const list = await n8n.api.listExecutions({ workflowId: waitId, status: 'waiting' });
				waiting = list[0]?.id;
				if (!waiting) await sleep(250);
			}
			check('execution is waiting', !!waiting);
			t = Date.now();
			await n8n.stop();
			log(`graceful stop took ${Date.now() - t} ms`);
			check('stop() leaves no process', processesOf(userFolder).length === 0, processesOf(userFolder));
			await sleep(5000);
			await n8n.restart();
			const done = await n8n.api.waitForExecution(waiting!, { timeoutMs: 180_000, includeData: true });
			const elapsed = (Date.now() - started) / 1000;
			const out = done.data?.resultData?.runData?.Set?.[0]?.data?.main?.[0]?.[0]?.json;
			check(`waiting execution finished after restart (${elapsed.toFixed(1)} s after start)`, done.status === 'success' && !!out?.resumedAt, {
				status: done.status,
				out,
			});
		}

		t = Date.now();
		await n8n.stop();
		log(`final stop took ${Date.now() - t} ms`);
		check('no n8n process of this run left', processesOf(userFolder).length === 0, processesOf(userFolder));
		n8n = undefined;
	} finally {
		server.close();
		if (n8n) await n8n.kill();
	}
	let all = '';
	try {
		all = execFileSync('pgrep', ['-af', 'n8n'], { encoding: 'utf8', env: harnessEnv() });
	} catch {
		/* none */
	}
	log(`pgrep -af n8n: ${all.trim() || '(nothing)'}`);
	if (!failures) fs.rmSync(scratch, { recursive: true, force: true });
	else log(`kept ${scratch} (n8n log: ${path.join(userFolder, 'n8n.log')})`);
	console.log(`smoke: ${passes} passed, ${failures} failed`);
	process.exit(failures ? 1 : 0);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
