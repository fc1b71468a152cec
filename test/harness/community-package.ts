/**
 * Installs an `npm pack` tarball into an n8n user folder the way n8n 2.41 installs a community
 * package (modules/community-packages/community-packages.service.js, downloadPackage):
 *
 *   1. unpack into `<userFolder>/.n8n/nodes/node_modules/<name>` (`tar -xzf --strip-components=1`)
 *   2. drop devDependencies, peerDependencies and optionalDependencies from its package.json
 *   3. `npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow
 *       --ignore-scripts=true --package-lock=false` in that folder
 *   4. record `name: version` in the ledger `<userFolder>/.n8n/nodes/package.json`
 *      (`{ name: 'installed-nodes', private: true, dependencies }`)
 *
 * At start n8n scans `<userFolder>/.n8n/nodes/node_modules` for `n8n-nodes-*` and
 * `@scope/n8n-nodes-*` folders (community-packages.module.js, nodeLoaders), so the package loads
 * on the next (re)start. `n8n-workflow` is not installed next to it: n8n puts its own
 * node_modules on NODE_PATH, so the package resolves n8n's copy. The package is not written to
 * n8n's `installed_packages` table, so Settings > Community nodes does not list it; its node
 * and credential types are loaded all the same.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ensureNode24, harnessEnv, runLogged, type Log } from './install';

export interface InstalledCommunityPackage {
	name: string;
	version: string;
	/** `<userFolder>/.n8n/nodes/node_modules/<name>` */
	packageDir: string;
	/** Node types as n8n names them: `<name>.<node name>` (read from the package's dist). */
	nodeTypes: string[];
}

export function nodesDir(userFolder: string): string {
	return path.join(userFolder, '.n8n', 'nodes');
}

export async function installCommunityPackage(
	tarballPath: string,
	userFolder: string,
	n8nRoot: string,
	opts: { log?: Log } = {},
): Promise<InstalledCommunityPackage> {
	const log: Log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
	const tarball = path.resolve(tarballPath);
	if (!fs.existsSync(tarball)) throw new Error(`tarball not found: ${tarball}`);

	const manifest = JSON.parse(
		execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], {
			encoding: 'utf8',
			maxBuffer: 16 * 1024 * 1024,
			env: harnessEnv(),
		}),
	) as Record<string, any>;
	const name: string = manifest.name;
	const version: string = manifest.version;
	if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?n8n-nodes-/.test(name)) {
		throw new Error(`"${name}" is not a community package name (n8n only loads n8n-nodes-* and @scope/n8n-nodes-*)`);
	}
	if (!manifest.n8n) throw new Error(`${name}: package.json has no "n8n" section`);

	// n8n-workflow must come from n8n's own installation.
	try {
		require.resolve('n8n-workflow/package.json', { paths: [n8nRoot] });
	} catch {
		throw new Error(`n8n-workflow does not resolve from ${n8nRoot}`);
	}

	const root = nodesDir(userFolder);
	const packageDir = path.join(root, 'node_modules', name);
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	log(`community package: unpacking ${name}@${version} into ${packageDir}`);
	execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { env: harnessEnv() });

	const pkgJsonPath = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...kept } = JSON.parse(
		fs.readFileSync(pkgJsonPath, 'utf8'),
	);
	void devDependencies;
	void peerDependencies;
	void optionalDependencies;
	fs.writeFileSync(pkgJsonPath, JSON.stringify(kept, null, 2), 'utf8');

	const nodeBin = ensureNode24();
	log(`community package: npm install (shallow, --ignore-scripts) in ${packageDir}`);
	await runLogged(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
			'--loglevel=error',
		],
		{ cwd: packageDir, env: harnessEnv({ nodeBin }), log, prefix: '  npm: ' },
	);
	if (fs.existsSync(path.join(packageDir, 'node_modules', 'n8n-workflow'))) {
		log(`community package: warning: ${name} brought its own n8n-workflow (a runtime dependency?)`);
	}

	// The ledger n8n keeps next to node_modules (community-packages.service.js, ensurePackageJson).
	const ledgerPath = path.join(root, 'package.json');
	let ledger: { name: string; private: boolean; dependencies: Record<string, string> } = {
		name: 'installed-nodes',
		private: true,
		dependencies: {},
	};
	try {
		const existing = JSON.parse(fs.readFileSync(ledgerPath, 'utf8'));
		if (existing && typeof existing.dependencies === 'object') ledger = { ...ledger, ...existing };
	} catch {
		/* none yet */
	}
	ledger.dependencies = { ...ledger.dependencies, [name]: version };
	fs.writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2), 'utf8');

	const nodeTypes = listNodeTypes(packageDir, name, manifest.n8n.nodes ?? [], n8nRoot, nodeBin, log);
	return { name, version, packageDir, nodeTypes };
}

/**
 * The node type names (`<package>.<description.name>`) of the package's nodes, read by loading
 * each node file in a Node 24 child with n8n's node_modules on NODE_PATH (as n8n does).
 */
function listNodeTypes(
	packageDir: string,
	name: string,
	nodeFiles: string[],
	n8nRoot: string,
	nodeBin: string,
	log: Log,
): string[] {
	const script = `
const path = require('path');
const out = [];
for (const rel of JSON.parse(process.argv[1])) {
  const mod = require(path.join(process.argv[2], rel));
  for (const Exported of Object.values(mod)) {
    if (typeof Exported !== 'function') continue;
    try {
      const inst = new Exported();
      const d = inst.description ?? inst.nodeVersions?.[inst.currentVersion]?.description;
      if (d && d.name) out.push(d.name);
    } catch {}
  }
}
process.stdout.write(JSON.stringify(out));`;
	try {
		const names = JSON.parse(
			execFileSync(path.join(nodeBin, 'node'), ['-e', script, JSON.stringify(nodeFiles), packageDir], {
				encoding: 'utf8',
				env: harnessEnv({
					nodeBin,
					set: { NODE_PATH: [path.join(n8nRoot, 'node_modules'), path.dirname(n8nRoot)].join(path.delimiter) },
				}),
				stdio: ['ignore', 'pipe', 'pipe'],
			}),
		) as string[];
		return names.map((n) => `${name}.${n}`);
	} catch (e) {
		log(`community package: could not read node type names: ${(e as Error).message.split('\n')[0]}`);
		return [];
	}
}

/** Removes a package installed by installCommunityPackage (n8n must be restarted to unload it). */
export function uninstallCommunityPackage(name: string, userFolder: string): void {
	const root = nodesDir(userFolder);
	fs.rmSync(path.join(root, 'node_modules', name), { recursive: true, force: true });
	const ledgerPath = path.join(root, 'package.json');
	try {
		const ledger = JSON.parse(fs.readFileSync(ledgerPath, 'utf8'));
		delete ledger.dependencies?.[name];
		fs.writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2), 'utf8');
	} catch {
		/* no ledger */
	}
}
