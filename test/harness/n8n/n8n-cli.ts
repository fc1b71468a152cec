/**
 * The n8n CLI against an instance's user folder (each run in its own process group, its
 * output appended to n8n.log), and importing a workflow file through the CLI or the public API.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { killGroup, trackGroup, untrackGroup } from './process-groups';
import type { N8nInstance, PublicApiClient } from './types';

export function cliRunner(o: {
	nodePath: string;
	n8nBin: string;
	userFolder: string;
	logFile: string;
	childEnv: () => NodeJS.ProcessEnv;
}): N8nInstance['runCli'] {
	const { nodePath, n8nBin, userFolder, logFile, childEnv } = o;
	return (args, cliOpts = {}) =>
		new Promise((resolve, reject) => {
			const proc = spawn(nodePath, [n8nBin, ...args], {
				cwd: userFolder,
				env: childEnv(),
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			const pgid = proc.pid!;
			trackGroup(pgid);
			let stdout = '';
			let stderr = '';
			proc.stdout!.on('data', (b) => (stdout += b));
			proc.stderr!.on('data', (b) => (stderr += b));
			const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), cliOpts.timeoutMs ?? 120_000);
			proc.on('error', reject);
			proc.on('close', (code) => {
				clearTimeout(timer);
				killGroup(pgid, 'SIGKILL');
				untrackGroup(pgid);
				fs.appendFileSync(logFile, `\n===== harness: n8n ${args.join(' ')} (exit ${code}) =====\n${stdout}${stderr}`);
				resolve({ code, stdout, stderr });
			});
		});
}

/** Via the public API while n8n runs (new id), else the CLI (keeps the file's id); see N8nInstance. */
export function workflowImporter(o: {
	api: PublicApiClient;
	runCli: N8nInstance['runCli'];
	isRunning: () => boolean;
}): N8nInstance['importWorkflowFile'] {
	const { api, runCli, isRunning } = o;
	return async (file, imp = {}) => {
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
}
