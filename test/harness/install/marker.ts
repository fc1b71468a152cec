/**
 * The completion marker: written only after every install step and check succeeded, so a
 * half-finished install is redone on the next call; and what a cached install still needs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { installation, installDir, N8N_VERSION } from './cache';
import { probeSqlite } from './checks';

const MARKER_NAME = '.install-complete.json';

export interface Marker {
	version: string;
	installedAt: string;
	seconds: number;
	node: string;
	sqlite: string;
}

function markerOk(): boolean {
	try {
		const marker = JSON.parse(fs.readFileSync(path.join(installDir(), MARKER_NAME), 'utf8')) as Marker;
		return marker.version === N8N_VERSION && fs.existsSync(installation('').n8nBin);
	} catch {
		return false;
	}
}

/**
 * What is wrong with the cached install: `install` (no completion marker: install or finish
 * installing), `sqlite` (marked complete, but the SQLite driver does not load: rebuild it), or
 * null (ready).
 */
export function cachedInstallProblem(nodeBin: string): { kind: 'install' } | { kind: 'sqlite'; detail: string } | null {
	if (!markerOk()) return { kind: 'install' };
	const { problem } = probeSqlite(installation(nodeBin));
	return problem ? { kind: 'sqlite', detail: problem } : null;
}

/** Removed before installing, so an interrupted install is never taken for a complete one. */
export function removeMarker(dir: string): void {
	fs.rmSync(path.join(dir, MARKER_NAME), { force: true });
}

export function writeMarker(dir: string, marker: Marker): void {
	fs.writeFileSync(path.join(dir, MARKER_NAME), JSON.stringify(marker) + '\n');
}
