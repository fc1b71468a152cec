/** The package as n8n installs it: packed from this checkout, or from a commit (git archive). */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PACKAGE_ROOT, packThisPackage, type Log } from '../../test/harness';

export function gitShort(ref: string): string {
	return execFileSync('git', ['rev-parse', '--short', ref], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim();
}

/** What the node in this checkout is: the commit, and whether nodes/ or credentials/ have uncommitted changes. */
export function describeCheckout(): string {
	const dirty = execFileSync('git', ['status', '--porcelain', '--', 'nodes', 'credentials'], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim();
	return `this checkout (${gitShort('HEAD')}${dirty ? ', with uncommitted changes under nodes/ or credentials/' : ''})`;
}

/**
 * Builds and packs the package into `destination`: from this checkout as it is, or as of `ref`
 * (its tree unpacked with git archive into a temporary folder, built with this checkout's
 * node_modules). Returns the tarball and a description of where the node came from.
 */
export function packNode(ref: string | undefined, destination: string, log: Log): { tarball: string; source: string } {
	if (!ref) return { tarball: packThisPackage(destination, log), source: describeCheckout() };
	const commit = gitShort(ref);
	const tree = mkdtempSync(join(tmpdir(), `rf-node-${commit}-`));
	log(`building the node as of ${commit} in ${tree}...`);
	try {
		execSync(`git archive --format=tar ${JSON.stringify(ref)} | tar -x -C ${JSON.stringify(tree)}`, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
		symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
		execFileSync('npm', ['run', '--silent', 'build'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
		execFileSync('npm', ['pack', '--pack-destination', destination, '--loglevel=error'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
	} finally {
		rmSync(tree, { recursive: true, force: true });
	}
	const tarball = readdirSync(destination).find((f) => f.startsWith('n8n-nodes-roboflow-video-') && f.endsWith('.tgz'));
	if (!tarball) throw new Error('npm pack produced no tarball');
	return { tarball: join(destination, tarball), source: `commit ${commit}` };
}
