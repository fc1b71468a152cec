/**
 * Self-check of the real-n8n harness (install/, n8n/, community-package.ts) against a real n8n.
 * Not a jest test: run it by hand.
 *
 *   npx tsx test/harness/smoke/run.ts            # everything, about 3 minutes when installed
 *   npx tsx test/harness/smoke/run.ts --quick    # without the 70 s Wait-across-restart check
 *
 * It builds a throw-away community package (one node, one credential) in a temp folder, installs
 * it like n8n does, starts n8n, and checks: the node and credential types load; the credential
 * test (REST and public API) against a local HTTP server; Webhook -> dummy node -> Set through
 * the public API with the execution read back; workflow import (API while running, CLI while
 * stopped); SIGKILL and restart; a Wait node of 70 s surviving a restart; no process left.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { installCommunityPackage } from '../community-package';
import { ensureN8nInstalled, harnessEnv } from '../install';
import { startN8n, type N8nInstance } from '../n8n';
import { startCheckServer } from './check-server';
import { buildDummyPackage, PKG } from './dummy-package';
import { externalSockets, groupPids, processesOf } from './processes';
import { waitWorkflow, webhookSetWorkflow } from './workflows';

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
