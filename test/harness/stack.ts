/**
 * The whole real stack for end-to-end runs and the demo: this package packed and installed
 * into a throw-away n8n user folder as a community package, the emulator, a headless n8n
 * on 127.0.0.1, and a Roboflow credential pointing at the emulator.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { startEmulator, type EmulatorOptions, type RoboflowEmulator } from '../emulator/server';
import { installCommunityPackage } from './community-package';
import { ensureN8nInstalled, type Log } from './install';
import { startN8n, type N8nInstance } from './n8n';

export const PACKAGE_ROOT = join(__dirname, '..', '..');
export const NODE_TYPE = 'n8n-nodes-roboflow-video.roboflowVideo';
export const SAMPLE_VIDEO = join(PACKAGE_ROOT, 'test', 'fixtures', 'sample.mp4');

export interface Stack {
	n8n: N8nInstance;
	emulator: RoboflowEmulator;
	apiKey: string;
	credentialId: string;
	credential: { id: string; name: string };
	stop(): Promise<void>;
}

/** `npm pack` of this package, as n8n would download it from the registry. */
export function packThisPackage(destination: string, log: Log = () => {}): string {
	log('building and packing the package...');
	// Built explicitly: the project's .npmrc turns off lifecycle scripts, prepack included.
	execFileSync('npm', ['run', '--silent', 'build'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	execFileSync('npm', ['pack', '--pack-destination', destination, '--loglevel=error'], {
		cwd: PACKAGE_ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const tarball = readdirSync(destination).find((f) => f.startsWith('n8n-nodes-roboflow-video-') && f.endsWith('.tgz'));
	if (!tarball) throw new Error('npm pack produced no tarball');
	return join(destination, tarball);
}

export async function startStack(
	options: { log?: Log; apiKey?: string; emulator?: EmulatorOptions; n8nEnv?: Record<string, string> } = {},
): Promise<Stack> {
	const log = options.log ?? (() => {});
	const apiKey = options.apiKey ?? `rf_e2e_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
	const install = await ensureN8nInstalled({ log });
	const work = mkdtempSync(join(tmpdir(), 'rf-e2e-'));
	const userFolder = join(work, 'n8n-user');
	const tarball = packThisPackage(work, log);
	log('installing the package into n8n as a community package...');
	await installCommunityPackage(tarball, userFolder, install.n8nRoot, { log });

	const emulator = await startEmulator({ apiKeys: [apiKey], seed: 11, ...options.emulator });
	let n8n: N8nInstance | undefined;
	try {
		log('starting n8n...');
		n8n = await startN8n({ userFolder, log, env: options.n8nEnv });
		const name = 'Roboflow (emulator)';
		const credentialId = await n8n.api.createCredential('roboflowApi', name, { apiKey, baseUrl: emulator.apiUrl });
		const running = n8n;
		return {
			n8n,
			emulator,
			apiKey,
			credentialId,
			credential: { id: credentialId, name },
			stop: async () => {
				await running.stop();
				await emulator.close();
				rmSync(work, { recursive: true, force: true });
			},
		};
	} catch (error) {
		await n8n?.stop().catch(() => undefined);
		await emulator.close();
		rmSync(work, { recursive: true, force: true });
		throw error;
	}
}
