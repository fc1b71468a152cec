/**
 * Redis for n8n's queue (Bull): Debian's `redis-server`, installed with apt-get when it is
 * missing and the harness runs as root, run as the harness's own process on 127.0.0.1 with a
 * temp folder and no persistence (`--save '' --appendonly no`). The system service is not used.
 */
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

import { harnessEnv, HarnessSetupError, type Log } from '../install';
import { freePort, HOST } from '../n8n/configure';
import { spawnService, waitUntilReady, type ServiceProcess } from './service-process';

export interface RedisServer {
	host: string;
	port: number;
	process: ServiceProcess;
	/** One command whose answer is an integer (LLEN, ZCARD, DBSIZE...). */
	integer(...command: string[]): Promise<number>;
	stop(): Promise<void>;
}

function commandPath(name: string): string | undefined {
	try {
		return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** The path of redis-server, installed from Debian's packages first when it is missing. */
export function ensureRedisServer(log: Log): string {
	const found = commandPath('redis-server');
	if (found) return found;
	if (process.getuid?.() !== 0) {
		throw new HarnessSetupError('redis-server is not installed. Cause: the queue-mode tests need Redis and the harness is not root, so it cannot install it. Fix: sudo apt-get install -y redis-server');
	}
	log('redis-server is missing: apt-get install -y redis-server ...');
	const env = harnessEnv({ set: { DEBIAN_FRONTEND: 'noninteractive' } });
	try {
		execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
	} catch {
		// A fresh machine may have no package lists yet.
		execFileSync('apt-get', ['update'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
		execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
	}
	const installed = commandPath('redis-server');
	if (!installed) throw new HarnessSetupError('apt-get installed redis-server but it is not on PATH. Fix: check `dpkg -L redis-server`.');
	return installed;
}

/** Sends one command (RESP array) and gives back the first line of the answer. */
function firstAnswerLine(port: number, command: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, HOST);
		let answer = '';
		socket.setTimeout(5000, () => socket.destroy(new Error(`redis did not answer ${command[0]} within 5 s`)));
		socket.on('connect', () => socket.write(`*${command.length}\r\n${command.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
		socket.on('data', (d) => {
			answer += d.toString();
			if (answer.includes('\r\n')) socket.end();
		});
		socket.on('close', () => resolve(answer.split('\r\n')[0]));
		socket.on('error', reject);
	});
}

/** Answers PING with +PONG. */
function pong(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, HOST);
		let answer = '';
		socket.setTimeout(1000, () => socket.destroy());
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (d) => {
			answer += d.toString();
			if (answer.includes('\r\n')) socket.end();
		});
		socket.on('close', () => resolve(answer.startsWith('+PONG')));
		socket.on('error', () => resolve(false));
	});
}

export async function startRedis(dir: string, log: Log): Promise<RedisServer> {
	const binary = ensureRedisServer(log);
	const port = await freePort();
	const service = spawnService({
		name: 'redis-server',
		command: binary,
		args: ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''],
		logFile: path.join(dir, 'redis.log'),
		env: harnessEnv(),
		cwd: dir,
	});
	await waitUntilReady(service, () => pong(port), 20_000);
	log(`redis ready on ${HOST}:${port} (pid ${service.pid})`);
	return {
		host: HOST,
		port,
		process: service,
		async integer(...command: string[]) {
			const line = await firstAnswerLine(port, command);
			if (!line.startsWith(':')) throw new Error(`redis answered ${command.join(' ')} with ${line}`);
			return Number(line.slice(1));
		},
		stop: () => service.stop('SIGTERM'),
	};
}
