/**
 * A job Roboflow accepted runs and is billed whatever happens next, so its id must reach the
 * user: Start Inference logs it through n8n's logger the moment it is accepted (for a process
 * that dies before n8n saves the output), and an error that stops the node after earlier items'
 * jobs were started names those jobs (their output is thrown away with the error).
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import type { IDataObject } from 'n8n-workflow';

import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow } from '../harness/in-process-n8n';
import { chain, credentialsFor, emulatorForTests, everythingVisible, model, SECRET_KEY, uploadSample } from './helpers';

interface LogEntry {
	level: string;
	message: string;
	metadata?: IDataObject;
}

/** Stands in for n8n's logger (what `this.logger` in a node is) and keeps every entry. */
class RecordingLogger {
	readonly entries: LogEntry[] = [];

	scoped(): this {
		return this;
	}

	error(message: string, metadata?: IDataObject): void {
		this.entries.push({ level: 'error', message, metadata });
	}

	warn(message: string, metadata?: IDataObject): void {
		this.entries.push({ level: 'warn', message, metadata });
	}

	info(message: string, metadata?: IDataObject): void {
		this.entries.push({ level: 'info', message, metadata });
	}

	debug(message: string, metadata?: IDataObject): void {
		this.entries.push({ level: 'debug', message, metadata });
	}

	jobLines(): LogEntry[] {
		return this.entries.filter((e) => e.message.startsWith('Roboflow job started:'));
	}
}

const start = (continueOnFail = false) => ({
	name: 'Start',
	continueOnFail,
	parameters: { operation: 'startInference', videoUrl: '={{ $json.url }}', inferFps: 2, models: { model: [model('rock-paper-scissors-presentation/3')] } },
});

describe('Start Inference never loses a started job\'s id', () => {
	let emulator: RoboflowEmulator;
	let logger: RecordingLogger;
	let urls: string[];
	beforeAll(async () => {
		emulator = await emulatorForTests();
		logger = new RecordingLogger();
		Container.set(Logger, logger as unknown as Logger);
	});
	afterAll(async () => await emulator.close());
	beforeEach(async () => {
		emulator.reset();
		logger.entries.length = 0;
		// The first video by its signed upload URL, whose signature must never reach a log.
		urls = [await uploadSample(emulator, 'clip-1.mp4'), `${emulator.storageUrl}/public/clip-2.mp4`, `${emulator.storageUrl}/public/clip-3.mp4`];
	});

	it('logs each job at info level the moment Roboflow accepts it, without the key or a signed URL', async () => {
		const result = await runWorkflow(chain(urls.map((url) => ({ url })), [start()]), { credentials: credentialsFor(emulator), executionId: 'exec-log-1' });
		expect(result.error).toBeUndefined();
		const jobIds = result.output('Start')[0].map((item) => item.json.job_id as string);
		expect(new Set(jobIds).size).toBe(3);
		expect(emulator.jobs().map((job) => job.id).sort()).toEqual([...jobIds].sort());
		expect(logger.jobLines()).toEqual(
			jobIds.map((jobId, itemIndex) => ({
				level: 'info',
				message: `Roboflow job started: job_id=${jobId} item=${itemIndex} video="clip-${itemIndex + 1}.mp4" node="Start" execution=exec-log-1`,
				metadata: { jobId, itemIndex, executionId: 'exec-log-1' },
			})),
		);
		const logged = JSON.stringify(logger.entries);
		expect(logged).not.toContain(SECRET_KEY);
		expect(new URL(urls[0]).search).not.toBe('');
		expect(logged).not.toContain(new URL(urls[0]).search.slice(1));
		expect(logged).not.toContain(emulator.storageUrl);
	});

	it('names the jobs already started when a later item fails and stops the node', async () => {
		emulator.addFault({ match: { endpoint: 'createJob', inputUrlContains: 'clip-3' }, fault: { type: 'http', status: 400 } });
		const result = await runWorkflow(chain(urls.map((url) => ({ url })), [start()]), { credentials: credentialsFor(emulator) });
		expect(result.error?.message).toMatch(/while starting the inference job/);
		expect(result.error?.context).toMatchObject({ itemIndex: 2 });
		const started = emulator.jobs().map((job) => ({ id: job.id, url: job.input_url }));
		expect(started.map((job) => job.url)).toEqual([urls[0], urls[1]]);
		expect(result.error?.description).toContain(
			`2 jobs were already started for earlier items and run at Roboflow (billed): item 0: job_id=${started[0].id}, item 1: job_id=${started[1].id}.`,
		);
		// Roboflow's own explanation stays first.
		expect(String(result.error?.description).indexOf('2 jobs were already started')).toBeGreaterThan(0);
		expect(logger.jobLines().map((e) => e.metadata?.jobId)).toEqual(started.map((job) => job.id));
		expect(everythingVisible(result)).not.toContain(SECRET_KEY);
	});

	it('adds nothing when the first item fails: no job was started', async () => {
		emulator.addFault({ match: { endpoint: 'createJob' }, fault: { type: 'http', status: 400 } });
		const result = await runWorkflow(chain(urls.map((url) => ({ url })), [start()]), { credentials: credentialsFor(emulator) });
		expect(result.error?.message).toMatch(/while starting the inference job/);
		expect(result.error?.context).toMatchObject({ itemIndex: 0 });
		expect(result.error?.description).not.toMatch(/already started/);
		expect(emulator.jobs()).toHaveLength(0);
		expect(logger.jobLines()).toHaveLength(0);
	});

	it('with Continue On Fail, keeps the started jobs in their items and the error item about its own item only', async () => {
		emulator.addFault({ match: { endpoint: 'createJob', inputUrlContains: 'clip-2' }, fault: { type: 'http', status: 400 } });
		const result = await runWorkflow(chain(urls.map((url) => ({ url })), [start(true)]), { credentials: credentialsFor(emulator) });
		expect(result.error).toBeUndefined();
		const [first, failed, third] = result.output('Start')[0].map((item) => item.json);
		expect(emulator.jobs().map((job) => job.id)).toEqual([first.job_id, third.job_id]);
		expect(failed).toMatchObject({ item_index: 1, job_id: null });
		expect(String(failed.description)).not.toMatch(/already started/);
		expect(logger.jobLines().map((e) => e.metadata?.itemIndex)).toEqual([0, 2]);
	});
});
