/**
 * Which n8n the harness installs, and where: one folder per n8n version in a cache outside
 * the project, so every checkout and every run on the machine shares one install.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export const N8N_VERSION = '2.41.1';

export type Log = (line: string) => void;

export interface N8nInstallation {
	/** Folder holding a Node >= 24 `node` binary. */
	nodeBin: string;
	/** The n8n CLI entry (`<n8nRoot>/bin/n8n`), run it with `<nodeBin>/node`. */
	n8nBin: string;
	/** The installed `n8n` package folder (`<cache>/n8n-<version>/node_modules/n8n`). */
	n8nRoot: string;
}

/** `${ROBOFLOW_VIDEO_CACHE:-${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-roboflow-video}` */
export function cacheRoot(): string {
	if (process.env.ROBOFLOW_VIDEO_CACHE) return process.env.ROBOFLOW_VIDEO_CACHE;
	const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(xdg, 'n8n-nodes-roboflow-video');
}

/** Folder n8n is (or will be) installed in. */
export function installDir(): string {
	return path.join(cacheRoot(), `n8n-${N8N_VERSION}`);
}

/** Where the pieces of the install in installDir() are, run with the Node in `nodeBin`. */
export function installation(nodeBin: string): N8nInstallation {
	const n8nRoot = path.join(installDir(), 'node_modules', 'n8n');
	return { nodeBin, n8nRoot, n8nBin: path.join(n8nRoot, 'bin', 'n8n') };
}
