import { failureMessage, readJobStatus, readProgress } from '../../nodes/RoboflowVideo/helpers/jobStatus';

const URL = 'https://storage.example/results.json?X-Goog-Signature=abc';

describe('readJobStatus: only what Roboflow\'s reference allows is believed', () => {
	it.each([
		[{ status: 1 }, { state: 'processing', status_code: 1 }],
		[{ status: '1' }, { state: 'processing', status_code: 1 }],
		[{ status: 0, output_signed_url: URL }, { state: 'completed', status_code: 0, output_url: URL }],
		[{ status: 0, output_signed_url: ` ${URL} ` }, { state: 'completed', output_url: URL }],
		[{ status: 2 }, { state: 'failed', status_code: 2, error: 'Roboflow reported the job as failed (status 2) without a message' }],
		[{ status: 9, message: 'decode failed' }, { state: 'failed', error: 'decode failed' }],
		[{ status: 3, error: { message: 'OOM' } }, { state: 'failed', error: 'OOM' }],
		[{ status: 3, error: 'ModelError', message: 'model crashed' }, { state: 'failed', error: 'model crashed (ModelError)' }],
		[{ status: 1, progress: '50%' }, { state: 'processing', progress: 50 }],
		[{ status: 1, progress: 0.25 }, { progress: 0.25 }],
		[{ status: 1, job_id: 'job-1' }, { state: 'processing' }],
	])('%j reads as %j', (body, expected) => {
		const reading = readJobStatus('job-1', body);
		expect(reading).toMatchObject({ readable: true, status: { job_id: 'job-1', ...expected } });
	});

	it.each([
		[{}, /has no status/],
		[{ status: 'running' }, /not one of Roboflow's status codes/],
		[{ status: null }, /not one of Roboflow's status codes/],
		[{ status: -1 }, /not one of/],
		[{ status: 1.5 }, /not one of/],
		[{ status: true }, /not one of/],
		[{ status: 0 }, /done but gives no results link/],
		[{ status: 0, output_signed_url: 'ftp://x/y' }, /done but gives no results link/],
		[{ status: 0, output_signed_url: 42 }, /done but gives no results link/],
		[{ status: 1, job_id: 'job-2' }, /about another job \(job-2\), not job-1/],
	])('%j cannot be read: %s', (body, problem) => {
		const reading = readJobStatus('job-1', body);
		expect(reading.readable).toBe(false);
		expect((reading as { problem: string }).problem).toMatch(problem);
	});
});

describe('readProgress', () => {
	it.each([
		[42, 42],
		['42', 42],
		['42.5', 42.5],
		[' 7 % ', 7],
		['fast', undefined],
		[null, undefined],
		[Number.NaN, undefined],
		[{ value: 1 }, undefined],
	])('%j -> %j', (value, expected) => expect(readProgress(value)).toBe(expected));
});

describe('failureMessage', () => {
	it.each([
		[{}, undefined],
		[{ message: '  ' }, undefined],
		[{ message: 'x'.repeat(1200) }, `${'x'.repeat(1000)}…`],
		[{ error: 'E', message: 'E happened' }, 'E happened'],
	])('%j -> %j', (body, expected) => expect(failureMessage(body)).toBe(expected));
});
