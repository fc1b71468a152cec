import { jobStartedLogLine, startedJobsNote, videoNameOf } from '../../nodes/RoboflowVideo/helpers/startedJobs';

const SIGNED = 'https://storage.googleapis.com/roboflow-uploads/ws/clip-ab12cd34.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=deadbeef';

describe('the video name a log line carries', () => {
	it.each([
		[SIGNED, 'clip-ab12cd34.mp4'],
		['https://example.com/videos/warehouse%20cam%201.mp4', 'warehouse cam 1.mp4'],
		['https://example.com/a/b/', undefined],
		['https://example.com', undefined],
		['https://example.com/line%0Abreak.mp4', 'line break.mp4'],
		['https://example.com/bad%E0%A4%A.mp4', 'bad%E0%A4%A.mp4'],
		['not a url', undefined],
		[`https://example.com/${'x'.repeat(300)}.mp4`, `${'x'.repeat(120)}…`],
	])('of %j is %j', (url, name) => expect(videoNameOf(url)).toBe(name));
});

describe('the line logged when Roboflow accepts a job', () => {
	it.each([
		[
			{ jobId: 'job-1', itemIndex: 0, videoUrl: SIGNED, nodeName: 'Start Inference', executionId: '42' },
			'Roboflow job started: job_id=job-1 item=0 video="clip-ab12cd34.mp4" node="Start Inference" execution=42',
		],
		[
			{ jobId: 'job_2', itemIndex: 3, videoUrl: 'https://example.com/', nodeName: 'Start', executionId: undefined },
			'Roboflow job started: job_id=job_2 item=3 node="Start"',
		],
		[
			{ jobId: 'j', itemIndex: 1, videoUrl: 'https://example.com/a" job_id=forged.mp4', nodeName: 'N', executionId: '7' },
			'Roboflow job started: job_id=j item=1 video="a\\" job_id=forged.mp4" node="N" execution=7',
		],
	])('%j', (job, line) => expect(jobStartedLogLine(job)).toBe(line));

	it('never carries the signed part of the URL', () => {
		const line = jobStartedLogLine({ jobId: 'job-1', itemIndex: 0, videoUrl: SIGNED, nodeName: 'Start' });
		expect(line).not.toMatch(/X-Goog|deadbeef|storage\.googleapis/);
	});
});

describe('the note an error carries about jobs already started', () => {
	it.each([
		[[], undefined],
		[
			[{ jobId: 'a1', itemIndex: 0 }],
			'A job was already started for earlier items and runs at Roboflow (billed): item 0: job_id=a1. Follow it with Get Status or Wait For Result (set Job ID) rather than starting it again.',
		],
		[
			[
				{ jobId: 'a1', itemIndex: 0 },
				{ jobId: 'b2', itemIndex: 2 },
			],
			'2 jobs were already started for earlier items and run at Roboflow (billed): item 0: job_id=a1, item 2: job_id=b2. Follow them with Get Status or Wait For Result (set Job ID) rather than starting them again.',
		],
	])('for %j', (jobs, note) => expect(startedJobsNote(jobs)).toBe(note));
});
