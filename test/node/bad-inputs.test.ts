/**
 * Bad input is refused before any network call, naming the item, the field and the fix. Each
 * case is the second item of a two-item batch whose first item is good: the batch must not
 * half-start (no request at all reaches the emulator).
 */
import type { IDataObject } from 'n8n-workflow';

import type { RoboflowEmulator } from '../emulator/server';
import { runWorkflow, sourceThenRoboflow } from '../harness/in-process-n8n';
import { credentialsFor, emulatorForTests, model, SAMPLE_MP4 } from './helpers';

const GOOD_URL = 'https://example.com/clip.mp4';
const GOOD_MODELS = { model: [model('rock-paper-scissors-presentation/4')] };
/** Models are a fixed collection, which expressions cannot fill per item: a bad model makes both items bad. */
const start = (models: IDataObject = GOOD_MODELS): IDataObject => ({ operation: 'startInference', videoUrl: '={{ $json.url }}', inferFps: '={{ $json.fps }}', models });
const goodStart = { url: GOOD_URL, fps: 5 };

interface BadInput {
	name: string;
	/** Node parameters (expressions read the item). */
	parameters: IDataObject;
	/** The good first item and the bad second one. */
	items: [IDataObject, IDataObject];
	/** Binary files for the items (Upload Video). */
	files?: IDataObject[];
	message: RegExp;
	description: RegExp;
}

/** A model as the From List mode holds it (n8n's own check of the By ID form would catch these first). */
const listed = (value: string) => ({ model: { __rl: true, mode: 'list', value }, inferenceType: 'object-detection', options: {} });

const video = (item: number, fileName = 'clip.mp4', mimeType = 'video/mp4', path = SAMPLE_MP4) => ({ item, field: 'data', path, fileName, mimeType });

const jobIdCases: Array<[string, unknown, RegExp]> = [
	['a number', 12345, /Job ID is a number \(12345\)/],
	['an object', { id: 'x' }, /Job ID is an object/],
	['a list', ['a'], /Job ID is a list/],
	['a boolean', true, /Job ID is a boolean/],
	['empty', '', /Job ID is empty/],
	['blank', '   ', /Job ID is empty/],
	['a URL', 'https://api.roboflow.com/videoinfer/?job_id=1', /is not a Roboflow job ID/],
	['with spaces', 'abc def', /is not a Roboflow job ID/],
	['too long', 'a'.repeat(200), /is not a Roboflow job ID/],
	['with a quote', 'abc"def', /is not a Roboflow job ID/],
];

const cases: BadInput[] = [
	...jobIdCases.map(([name, value, message]) => ({
		name: `Get Status: a job ID that is ${name}`,
		parameters: { operation: 'getStatus', jobId: '={{ $json.job }}' },
		items: [{ job: 'good-job-1' }, { job: value }] as [IDataObject, IDataObject],
		message: new RegExp(`^Item 2: .*${message.source}`),
		description: /job_id|job ID looks like/,
	})),
	...jobIdCases.slice(0, 5).map(([name, value, message]) => ({
		name: `Wait For Result: a job ID that is ${name}`,
		parameters: { operation: 'waitForResult', jobId: '={{ $json.job }}' },
		items: [{ job: 'good-job-1' }, { job: value }] as [IDataObject, IDataObject],
		message: new RegExp(`^Item 2: .*${message.source}`),
		description: /job_id|job ID/,
	})),
	...(
		[
			['an empty Video URL', { url: '' }, /Video URL is empty/, /input_url that Upload Video returned/],
			['a Video URL with raw spaces', { url: 'https://example.com/my clip.mp4' }, /Video URL contains spaces/, /%20/],
			['a Video URL that is not a URL', { url: 'clip.mp4' }, /Video URL is not a URL/, /full http\(s\) address/],
			['an ftp Video URL', { url: 'ftp://example.com/clip.mp4' }, /must start with http:\/\/ or https:\/\//, /public http\(s\) URL/],
			['a javascript: Video URL', { url: 'javascript:alert(1)' }, /must start with http:\/\/ or https:\/\//, /public http\(s\) URL/],
			['a Video URL that is an object', { url: { href: GOOD_URL } }, /Video URL is an object, not a URL/, /input_url/],
			['a Video URL that is a number', { url: 42 }, /Video URL is a number \(42\), not a URL/, /input_url/],
			['an over-long Video URL', { url: `https://example.com/${'a'.repeat(9000)}.mp4` }, /Video URL is \d+ characters long/, /shorter link/],
			['Inference FPS 0', { fps: 0 }, /Inference FPS must be a whole number from 1 to 120, not 0/, /frames per second/],
			['Inference FPS -3', { fps: -3 }, /Inference FPS must be a whole number/, /frames per second/],
			['Inference FPS 2.5', { fps: 2.5 }, /not 2\.5/, /frames per second/],
			['Inference FPS 121', { fps: 121 }, /not 121/, /frames per second/],
			['Inference FPS as text', { fps: 'fast' }, /not fast/, /frames per second/],
			['Inference FPS as an object', { fps: { v: 5 } }, /not an object/, /frames per second/],
			['no model', { models: { model: [] } }, /no model to run/, /Add at least one model/],
			['a model ID without version', { models: { model: [listed('rock-paper-scissors-presentation')] } }, /model 1 "rock-paper-scissors-presentation" is not a Roboflow model ID/, /project\/version/],
			['a model ID with spaces', { models: { model: [listed('my model/4')] } }, /is not a Roboflow model ID/, /project\/version/],
			['an unsupported inference type', { models: { model: [model('m/1', 'semantic-segmentation')] } }, /unsupported inference type "semantic-segmentation"/, /not semantic segmentation/],
			['the same model twice', { models: { model: [model('m/1'), model('m/2')] } }, /model "m" is listed twice/, /Remove the duplicate/],
			['a confidence above 1', { models: { model: [model('m/1', 'object-detection', { confidence: 1.5 })] } }, /confidence must be between 0 and 1, not 1\.5/, /fraction/],
			['a negative confidence', { models: { model: [model('m/1', 'object-detection', { confidence: -0.1 })] } }, /confidence must be between 0 and 1/, /fraction/],
			['a confidence as text', { models: { model: [model('m/1', 'object-detection', { confidence: 'high' })] } }, /confidence must be between 0 and 1, not high/, /fraction/],
			['inference parameters that are not JSON', { models: { model: [model('m/1', 'object-detection', { inferenceParameters: '{overlap: 0.3' })] } }, /inference parameters are not valid JSON/, /JSON object/],
			['inference parameters that are a list', { models: { model: [model('m/1', 'object-detection', { inferenceParameters: '[1,2]' })] } }, /must be a JSON object/, /overlap/],
		] as Array<[string, IDataObject, RegExp, RegExp]>
	).map(([name, bad, message, description]) => ({
		name: `Start Inference: ${name}`,
		parameters: start(bad.models as IDataObject | undefined),
		items: [goodStart, { ...goodStart, ...bad }] as [IDataObject, IDataObject],
		message: new RegExp(`^Item ${bad.models ? 1 : 2}: .*${message.source}`),
		description,
	})),
	...(
		[
			['no binary field of that name', { field: 'video' }, [video(0), video(1)], /has no binary field "video"/, /binary fields are: data/],
			['no binary data at all', {}, [video(0)], /has no binary field "data"/, /carries no binary data/],
			['an empty Input Binary Field', { field: '' }, [video(0), video(1)], /Input Binary Field is empty/, /name of the binary field/],
			['a text file', {}, [video(0), video(1, 'notes.txt', 'text/plain')], /"notes\.txt" is not a video Roboflow accepts/, /mp4, avi, mkv, webm/],
			['a mov file', {}, [video(0), video(1, 'clip.mov', 'video/quicktime')], /"clip\.mov" is not a video Roboflow accepts/, /Convert the video/],
			['a file name that is not text', { fileName: 42 }, [video(0), video(1)], /File Name must be text/, /warehouse-cam\.mp4/],
			['an empty file', {}, [video(0), video(1, 'empty.mp4', 'video/mp4', '/dev/null')], /is empty \(0 bytes\)/, /wrote no content/],
		] as Array<[string, IDataObject, IDataObject[], RegExp, RegExp]>
	).map(([name, bad, files, message, description]) => ({
		name: `Upload Video: ${name}`,
		parameters: { operation: 'uploadVideo', binaryPropertyName: '={{ $json.field ?? "data" }}', options: { fileName: '={{ $json.fileName ?? "" }}' } },
		items: [{}, bad] as [IDataObject, IDataObject],
		files,
		message: new RegExp(`^Item 2: .*${message.source}`),
		description,
	})),
	...(
		[
			['Poll Interval 30', { pollInterval: 30 }, /Poll Interval must be at least 60 seconds, not 30/, /one per job per minute/],
			['Poll Interval as text', { pollInterval: 'often' }, /Poll Interval must be at least 60 seconds, not "often"/, /60 or more/],
			['Max Wait Time 0', { maxWaitTime: 0 }, /Max Wait Time must be a positive number of minutes, not 0/, /six hours/],
			['Max Wait Time -5', { maxWaitTime: -5 }, /not -5/, /six hours/],
			['an unknown Wait Mode', { waitMode: 'sleep' }, /Wait Mode "sleep" is not one of the node's wait modes/, /Park Execution/],
			['an unknown Output', { output: 'csv' }, /Output "csv" is not one of the node's output formats/, /Summary, One Item per Object, One Item per Appearance, One Item per Frame, Raw, Binary File/],
			['a Minimum Confidence of 2', { resultOptions: { minConfidence: 2 } }, /Minimum Confidence must be a number between 0 and 1, not 2/, /fraction/],
			['a Minimum Confidence as text', { resultOptions: { minConfidence: 'high' } }, /not "high"/, /fraction/],
			['Classes as a list', { resultOptions: { classes: ['person'] } }, /Classes must be text/, /separated by commas/],
			['a Counting Line of three numbers', { resultOptions: { countingLine: '0,0.5,1' } }, /Counting Line "0,0\.5,1" is not two points/, /x,y of each point in pixels/],
			['a Counting Line of one point twice', { resultOptions: { countingLine: '10,10 10,10' } }, /starts and ends at the same point/, /fractions of the frame/],
			['a Zone of two points', { output: 'objects', resultOptions: { zone: '0,0 1,1' } }, /Zone "0,0 1,1" is not a polygon of three or more points/, /three or more points/],
			['a Zone with words', { resultOptions: { zone: 'left half' } }, /Zone "left half" is not a polygon/, /three or more points/],
			['Attach Timeline without Track Objects', { resultOptions: { attachTimeline: true, trackObjects: false } }, /Attach Timeline needs Track Objects on/, /switch Track Objects on/],
			['a negative Max Hidden Time', { resultOptions: { maxHiddenSeconds: -1 } }, /Max Hidden Time must be a number of seconds, 0 or more, not -1/, /default is 5/],
			['To Second before From Second', { output: 'perFrame', resultOptions: { fromSeconds: 60, toSeconds: 30 } }, /To Second \(30\) is before From Second \(60\)/, /later time/],
			['a negative From Second', { output: 'perFrame', resultOptions: { fromSeconds: -1 } }, /From Second must be a number of seconds, 0 or more, not -1/, /10-minute mark/],
			['Every Nth Frame 0', { output: 'perFrame', resultOptions: { everyNthFrame: 0 } }, /Every Nth Frame must be a whole number, 1 or more, not 0/, /one frame in five/],
			['Every Nth Frame 2.5', { output: 'perFrame', resultOptions: { everyNthFrame: 2.5 } }, /not 2\.5/, /one frame in five/],
			['an output field name with spaces', { output: 'binary', outputBinaryField: 'my file' }, /Put Output File in Field "my file" is not a usable field name/, /e\.g\. data/],
		] as Array<[string, IDataObject, RegExp, RegExp]>
	).map(([name, bad, message, description]) => ({
		name: `Wait For Result: ${name}`,
		parameters: { operation: 'waitForResult', jobId: '={{ $json.job }}', ...bad },
		items: [{ job: 'good-job-1' }, { job: 'good-job-2' }] as [IDataObject, IDataObject],
		message: new RegExp(`^Item 1: .*${message.source}`),
		description,
	})),
	{
		name: 'Get Status: Download Results that is not true or false',
		parameters: { operation: 'getStatus', jobId: '={{ $json.job }}', downloadResults: '={{ $json.dl }}' },
		items: [{ job: 'good-job-1', dl: false }, { job: 'good-job-2', dl: 'yes' }],
		message: /^Item 2: Download Results must be true or false/,
		description: /Switch Download Results on or off/,
	},
	{
		name: 'Get Status: an unknown Output',
		parameters: { operation: 'getStatus', jobId: '={{ $json.job }}', downloadResults: true, output: '={{ $json.out }}' },
		items: [{ job: 'good-job-1', out: 'summary' }, { job: 'good-job-2', out: 'xml' }],
		message: /^Item 2: Output "xml" is not one of/,
		description: /Summary/,
	},
	...(
		[
			['a model URL without a version', { __rl: true, mode: 'url', value: 'https://universe.roboflow.com/ws/my-project' }, 'auto', /model 1 "https:\/\/universe\.roboflow\.com\/ws\/my-project" is not a Roboflow model URL/, /URL of a model version/],
			['a model URL of another site', { __rl: true, mode: 'url', value: 'https://example.com/videos' }, 'auto', /is not a Roboflow model URL/, /app\.roboflow\.com/],
			['a model ID with a version that is not a number', { __rl: true, mode: 'id', value: 'my-project/latest' }, 'auto', /model 1 "my-project\/latest" is not a Roboflow model ID/, /project\/version/],
			['an Inference Type that is not one', { __rl: true, mode: 'list', value: 'm/1' }, 'detection', /model 1 has unsupported inference type "detection"/, /Automatic/],
			['the built-in CLIP model with another type', { __rl: true, mode: 'id', value: 'clip/1' }, 'object-detection', /model 1 "clip\/1" is Roboflow's built-in CLIP embedding model, not object detection/, /Options → Extra Models/],
		] as Array<[string, IDataObject, string, RegExp, RegExp]>
	).map(([name, modelValue, inferenceType, message, description]) => ({
		name: `Start Inference: ${name}`,
		// As an expression: n8n's own check of a literal in the URL and ID modes would stop it before the node.
		parameters: start({ model: [{ model: { ...modelValue, value: `={{ ${JSON.stringify(modelValue.value)} }}` }, inferenceType, options: {} }] }),
		items: [goodStart, goodStart] as [IDataObject, IDataObject],
		message: new RegExp(`^Item 1: .*${message.source}`),
		description,
	})),
];

describe('bad input is refused before any request, naming the item, the field and the fix', () => {
	let emulator: RoboflowEmulator;
	beforeAll(async () => {
		emulator = await emulatorForTests();
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	it('has at least 50 cases', () => expect(cases.length).toBeGreaterThanOrEqual(50));

	it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
		const result = await runWorkflow(sourceThenRoboflow(c.items, c.parameters, { binaryFiles: c.files }), { credentials: credentialsFor(emulator) });
		expect(result.error?.message).toMatch(c.message);
		expect(String(result.error?.description)).toMatch(c.description);
		expect(emulator.requests).toEqual([]);
	});
});
