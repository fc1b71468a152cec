/**
 * Runs the Roboflow Video Inference emulator as a standalone process, e.g. for a real n8n:
 *
 *   npx tsx test/emulator/cli.ts --port 9797 --storage-port 9798 \
 *     --poll-window-seconds 60 --fixed-seconds 90 --seed 1 --api-key KEY
 *
 * Prints one line with the API URL and stops cleanly on SIGINT/SIGTERM. A key
 * given with --api-key is never printed; only the built-in default key is,
 * since it is no secret. Control it over HTTP with the /__emulator/* routes;
 * --fault '<FaultRule as JSON>' (repeatable) adds fault rules from the start, e.g.
 *   --fault '{"match":{"endpoint":"jobStatus"},"fault":{"type":"hang"}}'
 * --results-file PATH makes every finished job's results link serve that file, streamed from
 * disk whatever its size (see test/harness/results-files.ts for large ones).
 */
import { validateFaultRule, type FaultRule } from './faults';
import { DEFAULT_API_KEY, startEmulator, type EmulatorOptions } from './server';

const USAGE =
	'Usage: tsx test/emulator/cli.ts [--host 127.0.0.1] [--port N] [--storage-port N] [--api-key KEY]... ' +
	'[--workspace NAME] [--poll-window-seconds S] [--fixed-seconds S] [--base-seconds S] ' +
	'[--seconds-per-video-second S] [--seed N] [--upload-url-ttl S] [--output-url-ttl S] [--results-file PATH] [--fault RULE_JSON]... [--verbose]';

function parseFault(value: string): FaultRule {
	let rule: unknown;
	try {
		rule = JSON.parse(value);
	} catch {
		throw new Error('--fault needs a fault rule as JSON, e.g. \'{"fault":{"type":"hang"}}\'.');
	}
	try {
		validateFaultRule(rule);
	} catch (error) {
		throw new Error(`--fault: ${(error as Error).message}`);
	}
	return rule;
}

function parseArgs(argv: string[]): EmulatorOptions & { verbose: boolean; faults: FaultRule[] } {
	const options: EmulatorOptions & { verbose: boolean; faults: FaultRule[] } = { verbose: false, processing: {}, faults: [] };
	const apiKeys: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		if (flag === '--verbose') {
			options.verbose = true;
			continue;
		}
		if (flag === '--help' || flag === '-h') {
			console.log(USAGE);
			process.exit(0);
		}
		const value = argv[++i];
		if (value === undefined) throw new Error(`${flag} needs a value.`);
		const number = (): number => {
			const n = Number(value);
			if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number >= 0.`);
			return n;
		};
		switch (flag) {
			case '--host': options.host = value; break;
			case '--port': options.port = number(); break;
			case '--storage-port': options.storagePort = number(); break;
			case '--api-key': apiKeys.push(value); break;
			case '--workspace': options.workspace = value; break;
			case '--poll-window-seconds': options.pollWindowMs = number() * 1000; break;
			case '--fixed-seconds': options.processing!.fixedSeconds = number(); break;
			case '--base-seconds': options.processing!.baseSeconds = number(); break;
			case '--seconds-per-video-second': options.processing!.secondsPerVideoSecondPerModel = number(); break;
			case '--seed': options.seed = number(); break;
			case '--upload-url-ttl': options.uploadUrlTtlSeconds = number(); break;
			case '--output-url-ttl': options.outputUrlTtlSeconds = number(); break;
			case '--results-file': options.resultsFile = value; break;
			case '--fault': options.faults.push(parseFault(value)); break;
			default: throw new Error(`Unknown option ${flag}.\n${USAGE}`);
		}
	}
	if (apiKeys.length) options.apiKeys = apiKeys;
	return options;
}

async function main(): Promise<void> {
	let options: ReturnType<typeof parseArgs>;
	try {
		options = parseArgs(process.argv.slice(2));
	} catch (error) {
		console.error((error as Error).message);
		process.exit(2);
	}
	const emulator = await startEmulator({ ...options, log: options.verbose ? (line) => console.log(line) : undefined });
	for (const rule of options.faults) emulator.addFault(rule);
	const usesDefaultKey = !options.apiKeys || options.apiKeys.every((key) => key === DEFAULT_API_KEY);
	const keyNote = usesDefaultKey ? `api key ${DEFAULT_API_KEY}` : 'api key from --api-key';
	console.log(`Roboflow emulator: API ${emulator.apiUrl} storage ${emulator.storageUrl} (${keyNote})`);

	let stopping = false;
	const stop = (signal: string): void => {
		if (stopping) return;
		stopping = true;
		emulator.close().then(
			() => {
				if (options.verbose) console.log(`stopped on ${signal}`);
				process.exit(0);
			},
			(error) => {
				console.error(`error while stopping: ${(error as Error).message}`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
}

void main().catch((error) => {
	console.error(`Roboflow emulator failed to start: ${(error as Error).message}`);
	process.exit(1);
});
