/**
 * `npm run scan`: n8n's community-package scanner (@n8n/scan-community-package) over this package
 * before it is published. Fails on any finding.
 *
 * The scanner's CLI takes a package name and fetches everything from the npm registry: the
 * version's provenance attestation, the GitHub source commit it names, and the published tarball.
 * An unpublished package has none of them, so this script runs the scanner's own analysis
 * (`analyzePackage`, the function its CLI calls) on the same two inputs, made locally:
 *  - the source leg: this checkout, with the scanner's SOURCE_FILE_PATTERNS (package.json and
 *    nodes/ and credentials/), as it lints the source commit the provenance points at;
 *  - the tarball leg: what `npm pack` makes, unpacked, with the same patterns as the CLI uses for
 *    the downloaded tarball (compiled `.js` and package.json).
 * What it cannot check here is the provenance itself: that exists only once GitHub Actions has
 * published the package (.github/workflows/publish.yml; scripts/check-publish-workflow.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface ScanResult {
	passed: boolean;
	message?: string;
	details?: string;
}
interface Scanner {
	analyzePackage(packageDir: string, filePatterns: string[]): Promise<ScanResult>;
	SOURCE_FILE_PATTERNS: string[];
}
/** The patterns the scanner's CLI lints the downloaded tarball with (scanner.mjs, analyzePackageByName). */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

const root = resolve(__dirname, '..');

/**
 * npm run exports npm_config_* to its children; `npm pack` here must not run prepack a second
 * time (the script builds first, once) and must not inherit a caller's pack settings.
 */
function npmEnv(): NodeJS.ProcessEnv {
	return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_config_')));
}

function packTarball(into: string): string {
	execFileSync('npm', ['run', 'build'], { cwd: root, env: npmEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
	execFileSync('npm', ['pack', '--ignore-scripts', '--loglevel=warn', '--pack-destination', into], { cwd: root, env: npmEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = readdirSync(into).find((name) => name.endsWith('.tgz'));
	if (!tarball) throw new Error(`npm pack made no .tgz in ${into}`);
	const unpacked = join(into, 'package');
	execFileSync('tar', ['-xzf', join(into, tarball), '-C', into]);
	return unpacked;
}

function report(leg: string, result: ScanResult): number {
	if (result.passed) {
		console.log(`scan ${leg}: passed${result.message ? ` (${result.message})` : ''}`);
		return 0;
	}
	console.log(`scan ${leg}: FAILED: ${result.message ?? 'no reason given'}`);
	if (result.details) console.log(result.details);
	return 1;
}

async function main(): Promise<void> {
	// The scanner is an ES module without type declarations: import it by its file.
	const scanner = (await import('@n8n/scan-community-package/scanner/scanner.mjs' as string)) as Scanner;
	const work = mkdtempSync(join(tmpdir(), 'rv-scan-'));
	try {
		const packageDir = packTarball(work);
		// Nothing to lint would pass silently (the scanner says "No files found to analyze").
		if (!readdirSync(join(packageDir, 'dist')).length) throw new Error('the packed tarball has an empty dist/');
		const source = await scanner.analyzePackage(root, scanner.SOURCE_FILE_PATTERNS);
		const tarball = await scanner.analyzePackage(packageDir, TARBALL_FILE_PATTERNS);
		const failures = report('source (package.json, nodes/, credentials/)', source) + report('packed tarball (dist/**/*.js, package.json)', tarball);
		if (failures > 0) process.exitCode = 1;
		else console.log('scan: 0 findings (provenance is checked by n8n only after publishing)');
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	console.error('scan failed to run:', error);
	process.exitCode = 1;
});
