/**
 * `npx tsx test/harness/install/cli.ts`: install (or check) n8n and say how long it took.
 * CI (.ci/run) runs it before the e2e suite so that the install's time shows on its own.
 */
import { ensureN8nInstalled, HarnessSetupError, N8N_VERSION } from './index';

const t0 = Date.now();
ensureN8nInstalled()
	.then((inst) => {
		console.log(`n8n ${N8N_VERSION} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${inst.n8nRoot} (node in ${inst.nodeBin})`);
	})
	.catch((e: unknown) => {
		console.error(e instanceof HarnessSetupError ? e.message : e);
		process.exitCode = 1;
	});
