import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { parseCountingLine, parseZone, SHAPE_HINT } from '../../helpers/shapes';
import { fail } from '../../helpers/validation';
import { DEFAULT_ANALYTICS, type AnalyticsSettings, type Shape } from '../../results/analytics/analytics';
import { OUTPUT_FORMATS, type OutputFormat, type ResultsOutputSettings } from '../../results/output';

export type { OutputFormat, ResultsOutputSettings } from '../../results/output';

const TRACKING = { show: { '/output': ['summary', 'objects', 'appearances'] } };

/** The results parameters, shown wherever results come out (Wait For Result, Get Status). */
export function resultsOutputProperties(show: IDisplayOptions['show']): INodeProperties[] {
	return [
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			displayOptions: { show },
			options: [
				{
					name: 'Binary File',
					value: 'binary',
					description: 'The results file as a JSON file, ready for Google Drive, S3 or email',
				},
				{
					name: 'One Item per Appearance',
					value: 'appearances',
					description: 'One item per stretch of time a class was in view: start, end, seconds and the most seen at once',
				},
				{
					name: 'One Item per Frame',
					value: 'perFrame',
					description:
						'One item per inferred frame with its time and each model\'s predictions. Wait For Result with Park Execution gives one item per job with the frames in a "frames" list (add Split Out on "frames" for one item per frame).',
				},
				{
					name: 'One Item per Object',
					value: 'objects',
					description:
						'One item per distinct object tracked through the video: its class, first and last time seen, seconds in view, entry and exit position, and line crossings',
				},
				{ name: 'Raw', value: 'raw', description: 'The results file as Roboflow wrote it, in the results field' },
				{
					name: 'Summary',
					value: 'summary',
					description:
						'One item per job: per model and class the distinct objects, when they were in view, the most at once, line and zone counts, detections and confidence',
				},
			],
			default: 'summary',
		},
		{
			displayName: 'Put Output File in Field',
			name: 'outputBinaryField',
			type: 'string',
			default: 'data',
			required: true,
			displayOptions: { show: { ...show, output: ['binary'] } },
			hint: 'The name of the output binary field to put the results file in',
		},
		{
			displayName: 'Result Options',
			name: 'resultOptions',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			displayOptions: { show: { ...show, output: ['summary', 'objects', 'appearances', 'perFrame'] } },
			options: [
				{
					displayName: 'Attach Timeline',
					name: 'attachTimeline',
					type: 'boolean',
					default: false,
					displayOptions: { show: { '/output': ['summary'] } },
					description: 'Whether to attach a PNG picture of when each class was in view and how many, in the binary field "timeline" (Slack, Drive and email show it inline)',
				},
				{
					displayName: 'Classes',
					name: 'classes',
					type: 'string',
					default: '',
					placeholder: 'e.g. person, forklift',
					description: 'Comma-separated class names to keep; all others are left out',
				},
				{
					displayName: 'Counting Line',
					name: 'countingLine',
					type: 'string',
					default: '',
					placeholder: 'e.g. 0,0.5,1,0.5',
					displayOptions: TRACKING,
					description:
						'Two points x1,y1,x2,y2 (pixels, or fractions of the frame): objects crossing it are counted. "in" is a crossing from the right of the line (looking from its first point to its second) to the left, "out" the other way.',
				},
				{
					displayName: 'Every Nth Frame',
					name: 'everyNthFrame',
					type: 'number',
					default: 1,
					typeOptions: { minValue: 1, numberPrecision: 0 },
					displayOptions: { show: { '/output': ['perFrame'] } },
					description: 'Keep one frame in every N (of those in the time window): 30 with Inference FPS 30 gives one frame a second',
				},
				{
					displayName: 'From Second',
					name: 'fromSeconds',
					type: 'number',
					default: 0,
					typeOptions: { minValue: 0 },
					displayOptions: { show: { '/output': ['perFrame'] } },
					description: 'Leave out frames before this time in the video (seconds)',
				},
				{
					displayName: 'Max Hidden Time (Seconds)',
					name: 'maxHiddenSeconds',
					type: 'number',
					default: 5,
					typeOptions: { minValue: 0 },
					displayOptions: TRACKING,
					description:
						'How long an object may be out of sight (behind another, or missed by the model) and still be the same object when it reappears where its motion leads',
				},
				{
					displayName: 'Merge Gaps Shorter Than (Seconds)',
					name: 'mergeGapsShorterThan',
					type: 'number',
					default: 1,
					typeOptions: { minValue: 0 },
					displayOptions: TRACKING,
					description: 'Two appearances of a class this close together count as one',
				},
				{
					displayName: 'Minimum Confidence',
					name: 'minConfidence',
					type: 'number',
					default: 0.5,
					typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
					description:
						'Applied by this node when it reads the results: leaves out predictions less sure than this (0 to 1). It cannot bring back predictions the model\'s Confidence in Start Inference already dropped at Roboflow.',
				},
				{
					displayName: 'Minimum Duration (Seconds)',
					name: 'minimumDuration',
					type: 'number',
					default: 0,
					typeOptions: { minValue: 0 },
					displayOptions: TRACKING,
					description: 'Leave out appearances shorter than this',
				},
				{
					displayName: 'Only Frames With Predictions',
					name: 'onlyFramesWithPredictions',
					type: 'boolean',
					default: true,
					displayOptions: { show: { '/output': ['perFrame'] } },
					description: 'Whether to leave out frames in which no model found anything',
				},
				{
					displayName: 'To Second',
					name: 'toSeconds',
					type: 'number',
					default: 60,
					typeOptions: { minValue: 0 },
					displayOptions: { show: { '/output': ['perFrame'] } },
					description: 'Leave out frames after this time in the video (seconds)',
				},
				{
					displayName: 'Track Objects',
					name: 'trackObjects',
					type: 'boolean',
					default: true,
					displayOptions: { show: { '/output': ['summary'] } },
					description:
						'Whether to follow each object through the video for unique objects, appearances, line and zone counts. Off, the Summary only counts detections, a little faster.',
				},
				{
					displayName: 'Zone',
					name: 'zone',
					type: 'string',
					default: '',
					placeholder: 'e.g. 100,100 500,100 500,400 100,400',
					displayOptions: TRACKING,
					description: 'A polygon of three or more points "x,y x,y x,y" (pixels, or fractions of the frame): objects entering it, the most inside at once, and the seconds it was occupied are counted',
				},
			],
		},
	];
}

export function readResultsOutputSettings(ctx: IExecuteFunctions, itemIndex: number): ResultsOutputSettings {
	const output = ctx.getNodeParameter('output', itemIndex, 'summary') as OutputFormat;
	if (typeof output !== 'string' || !Object.hasOwn(OUTPUT_FORMATS, output)) {
		fail(ctx, itemIndex, `Output "${String(output).slice(0, 40)}" is not one of the node's output formats`, `Choose one of: ${Object.values(OUTPUT_FORMATS).join(', ')}.`);
	}
	const options = ctx.getNodeParameter('resultOptions', itemIndex, {}) as {
		classes?: unknown;
		minConfidence?: unknown;
		onlyFramesWithPredictions?: unknown;
		fromSeconds?: unknown;
		toSeconds?: unknown;
		everyNthFrame?: unknown;
		maxHiddenSeconds?: unknown;
		mergeGapsShorterThan?: unknown;
		minimumDuration?: unknown;
		countingLine?: unknown;
		zone?: unknown;
		attachTimeline?: unknown;
		trackObjects?: unknown;
	};
	const minConfidence = options.minConfidence ?? 0;
	if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 1)) {
		fail(ctx, itemIndex, `Minimum Confidence must be a number between 0 and 1, not ${JSON.stringify(minConfidence)}`, 'It is a fraction: 0.5 keeps predictions Roboflow is at least 50% sure of.');
	}
	const classes = options.classes ?? '';
	if (typeof classes !== 'string') {
		fail(ctx, itemIndex, 'Classes must be text', 'Write the class names separated by commas, e.g. person, forklift.');
	}
	const seconds = (value: unknown, name: string): number | undefined => {
		if (value === undefined || value === null || value === '') return undefined;
		if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
			fail(ctx, itemIndex, `${name} must be a number of seconds, 0 or more, not ${JSON.stringify(value)}`, 'It is a time in the video, e.g. 600 for the 10-minute mark.');
		}
		return value;
	};
	const fromSeconds = seconds(options.fromSeconds, 'From Second');
	const toSeconds = seconds(options.toSeconds, 'To Second');
	if (fromSeconds !== undefined && toSeconds !== undefined && toSeconds < fromSeconds) {
		fail(ctx, itemIndex, `To Second (${toSeconds}) is before From Second (${fromSeconds})`, 'Set To Second to a later time than From Second, or remove one of them.');
	}
	const everyNthFrame = options.everyNthFrame ?? 1;
	if (typeof everyNthFrame !== 'number' || !Number.isInteger(everyNthFrame) || everyNthFrame < 1) {
		fail(ctx, itemIndex, `Every Nth Frame must be a whole number, 1 or more, not ${JSON.stringify(everyNthFrame)}`, '1 keeps every frame, 5 one frame in five.');
	}
	// One Item per Object and per Appearance are made of tracks: only Summary can do without.
	const analytics = output === 'summary' && options.trackObjects === false ? undefined : readAnalytics(ctx, itemIndex, options);
	if (output === 'summary' && options.attachTimeline === true && !analytics) {
		fail(ctx, itemIndex, 'Attach Timeline needs Track Objects on', 'The picture shows when tracked objects were in view: switch Track Objects on, or Attach Timeline off.');
	}
	let binaryPropertyName = 'data';
	if (output === 'binary') {
		const field = ctx.getNodeParameter('outputBinaryField', itemIndex, 'data');
		if (typeof field !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(field.trim())) {
			fail(ctx, itemIndex, `Put Output File in Field "${String(field).slice(0, 40)}" is not a usable field name`, 'Use a short name of letters, digits, "_", "." or "-", e.g. data.');
		}
		binaryPropertyName = field.trim();
	}
	return {
		output,
		binaryPropertyName,
		filters: {
			minConfidence,
			classes: classes
				.split(',')
				.map((c) => c.trim())
				.filter(Boolean),
		},
		onlyFramesWithPredictions: options.onlyFramesWithPredictions !== false,
		selection: { fromSeconds, toSeconds, everyNthFrame },
		analytics,
		attachTimeline: output === 'summary' && options.attachTimeline === true,
	};
}

/** The tracking settings of Summary, One Item per Object and One Item per Appearance. */
function readAnalytics(
	ctx: IExecuteFunctions,
	itemIndex: number,
	options: { maxHiddenSeconds?: unknown; mergeGapsShorterThan?: unknown; minimumDuration?: unknown; countingLine?: unknown; zone?: unknown },
): AnalyticsSettings {
	const seconds = (value: unknown, name: string, fallback: number): number => {
		if (value === undefined || value === null || value === '') return fallback;
		if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
			fail(ctx, itemIndex, `${name} must be a number of seconds, 0 or more, not ${JSON.stringify(value)}`, `The default is ${fallback}.`);
		}
		return value;
	};
	const shape = (value: unknown, name: string, parse: typeof parseZone): Shape | undefined => {
		if (value === undefined || value === null || value === '') return undefined;
		if (typeof value !== 'string') fail(ctx, itemIndex, `${name} must be text`, SHAPE_HINT);
		const parsed = parse(value);
		if ('problem' in parsed) fail(ctx, itemIndex, parsed.problem, SHAPE_HINT);
		return parsed.shape;
	};
	return {
		maxHiddenSeconds: seconds(options.maxHiddenSeconds, 'Max Hidden Time', DEFAULT_ANALYTICS.maxHiddenSeconds),
		mergeGapsShorterThan: seconds(options.mergeGapsShorterThan, 'Merge Gaps Shorter Than', DEFAULT_ANALYTICS.mergeGapsShorterThan),
		minimumDuration: seconds(options.minimumDuration, 'Minimum Duration', DEFAULT_ANALYTICS.minimumDuration),
		countingLine: shape(options.countingLine, 'Counting Line', parseCountingLine),
		zone: shape(options.zone, 'Zone', parseZone),
	};
}
