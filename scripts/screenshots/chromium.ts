/**
 * Headless Chromium from Debian's package, started with its DevTools port open, and stopped by
 * its own process id. Nothing is downloaded but Debian's `chromium` package, and that only when
 * no Chromium is installed (apt-get, as root or through sudo).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function onPath(name: string): string | undefined {
	const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
	return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/** $CHROMIUM, else the first Chromium or Chrome on PATH. */
export function findChromium(): string | undefined {
	if (process.env.CHROMIUM) return process.env.CHROMIUM;
	for (const name of CANDIDATES) {
		const path = onPath(name);
		if (path) return path;
	}
	return undefined;
}

/** The Chromium to use; installs Debian's `chromium` package with apt-get when there is none. */
export function ensureChromium(log: (line: string) => void): string {
	const found = findChromium();
	if (found) return found;
	const asRoot = process.getuid?.() === 0;
	const sudo = !asRoot && onPath('sudo') ? ['sudo', '-n'] : [];
	if (!onPath('apt-get') || (!asRoot && !sudo.length)) {
		throw new Error(
			'Chromium is not installed, and this script can install it only with apt-get as root (or with sudo). ' +
				'Install it yourself (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM to a Chromium or Chrome binary.',
		);
	}
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const run = (...argv: string[]) => {
		const [command, ...args] = [...sudo, ...argv];
		execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
	};
	const install = ['apt-get', 'install', '-y', 'chromium'];
	log(`Chromium is not installed: installing Debian's package (${[...sudo, ...install].join(' ')}); this takes a minute or two...`);
	try {
		run(...install);
	} catch {
		// A machine whose package lists were never fetched knows no chromium yet.
		log('apt-get install failed; running apt-get update and trying once more...');
		try {
			run('apt-get', 'update');
			run(...install);
		} catch (error) {
			throw new Error(`Installing Chromium with apt-get failed (${(error as Error).message.split('\n')[0]}). Install it yourself (sudo apt-get install chromium), or set CHROMIUM.`);
		}
	}
	const installed = findChromium();
	if (!installed) throw new Error('apt-get installed chromium, but no chromium is on PATH. Set CHROMIUM to its binary.');
	log(`Installed ${installed}`);
	return installed;
}

export interface Browser {
	/** The DevTools websocket of the first page (about:blank). */
	pageWebSocketUrl: string;
	pid: number;
	stop(): Promise<void>;
}

/** Starts headless Chromium with a throw-away profile and a window of the given size. */
export async function launchChromium(binary: string, size: { width: number; height: number }): Promise<Browser> {
	const profile = mkdtempSync(join(tmpdir(), 'rf-screenshots-chromium-'));
	const args = [
		'--headless=new',
		'--remote-debugging-port=0',
		'--remote-debugging-address=127.0.0.1',
		`--user-data-dir=${profile}`,
		`--window-size=${size.width},${size.height}`,
		'--no-first-run',
		'--no-default-browser-check',
		'--disable-gpu',
		'--disable-dev-shm-usage',
		'--disable-extensions',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--hide-scrollbars',
		'--mute-audio',
		'--lang=en-US',
		// Chromium refuses to run as root with its sandbox on.
		...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
		'about:blank',
	];
	// Its own process group, so its helper processes (zygote, renderers) end with it.
	const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
	const pid = child.pid;
	if (!pid) throw new Error(`Could not start ${binary}`);
	let exited = false;
	child.on('exit', () => (exited = true));

	const stop = async () => {
		if (!exited) {
			try {
				process.kill(pid, 'SIGTERM');
			} catch {
				/* already gone */
			}
			for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
			// What is left of its group (by the group of the pid we started).
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				/* none left */
			}
		}
		rmSync(profile, { recursive: true, force: true });
	};

	try {
		const browserWs = await new Promise<string>((resolve, reject) => {
			let stderr = '';
			const timer = setTimeout(() => reject(new Error(`Chromium did not open its DevTools port in 30 s. Its output:\n${stderr.slice(-2000)}`)), 30_000);
			child.stderr!.setEncoding('utf8');
			child.stderr!.on('data', (chunk: string) => {
				stderr += chunk;
				const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
				if (match) {
					clearTimeout(timer);
					resolve(match[1]);
				}
			});
			child.on('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`Chromium exited (code ${code}) before opening its DevTools port. Its output:\n${stderr.slice(-2000)}`));
			});
		});
		child.stderr!.resume();
		const { host } = new URL(browserWs);
		const targets = (await (await fetch(`http://${host}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
		const page = targets.find((t) => t.type === 'page');
		if (!page) throw new Error('Chromium has no page to drive');
		return { pageWebSocketUrl: page.webSocketDebuggerUrl, pid, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}
