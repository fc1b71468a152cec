import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { fail } from '../../helpers/validation';
import { OUTPUT_FORMATS, type ResultsOutputSettings } from '../../results/output';
import { readResultsOutputSettings, resultsOutputProperties } from '../shared/resultsOutput';

/** Roboflow asks for at most one status call per job per minute. */
export const MIN_POLL_INTERVAL_SECONDS = 60;

/** The hidden parameter that carries the settings into the wait's internal check step. */
export const WAIT_SETTINGS_PARAMETER = 'waitSettings';

export type WaitMode = 'park' | 'keepRunning';

/**
 * What a job that ends without results does to the node: Stop Workflow fails it once no job is
 * still running, with an error that lists every item; Output Failed Items outputs every item,
 * the failed ones as error items (as Continue On Fail does).
 */
export type OnJobFailure = 'stopWorkflow' | 'outputFailedItems';
export const ON_JOB_FAILURE: readonly OnJobFailure[] = ['outputFailedItems', 'stopWorkflow'];

/** Everything the wait needs, read and checked once, in the user's node. */
export interface WaitSettings {
	intervalMs: number;
	maxWaitMs: number;
	results: ResultsOutputSettings;
	/** The user's Wait For Result node, which the wait's errors name. */
	callerNodeName: string;
	/**
	 * One Item per Frame (per Object, per Appearance) as one item per job with a `frames`
	 * (`objects`, `appearances`) list: see asOneItemPerJob. Park Execution needs it: n8n
	 * hands a sub-execution's output back to the user's node as if it were that node's input,
	 * and pairs item k with input item k, so only one item per input item keeps $(...).item
	 * right downstream. Keep Execution Running hands out one item per frame.
	 */
	framesInOneItem: boolean;
	/** Absent in settings saved by versions before it existed: those waits stop the workflow. */
	onJobFailure?: OnJobFailure;
}

const WAIT_MODES: WaitMode[] = ['park', 'keepRunning'];

/**
 * The parameters the wait's settings are read from, as the editor names them. They are one
 * wait's settings, not an item's: all jobs are waited for together (one schedule, one park,
 * one wait mode) and leave the node together, so these apply to every item.
 */
const SETTINGS_PARAMETERS: Record<string, string> = {
	waitMode: 'Wait Mode',
	pollInterval: 'Poll Interval',
	maxWaitTime: 'Max Wait Time',
	onJobFailure: 'On Job Failure',
	output: 'Output',
	outputBinaryField: 'Put Output File in Field',
	resultOptions: 'Result Options',
};

const SAME_FOR_ALL_ITEMS =
	'Wait For Result waits for all its items\' jobs together, so Wait Mode, Poll Interval, Max Wait Time, On Job Failure, Output and Result Options apply to all items: they are read from the first item. Make the expression give the same value for every item, or send the items that need other settings to another Wait For Result node (e.g. through a Switch node).';

/**
 * The settings of one wait, read from the first item. n8n evaluates a parameter's expression
 * per item, so an expression can give the items different values: such a batch is refused,
 * naming the first item and setting that differ, before any request (see SETTINGS_PARAMETERS).
 */
export function readWaitSettings(ctx: IExecuteFunctions): { mode: WaitMode; settings: WaitSettings } {
	const first = readItemSettings(ctx, 0);
	// Plain values are the same for every item; only expressions need reading per item.
	const itemCount = ctx.getInputData().length;
	if (itemCount > 1 && Object.keys(SETTINGS_PARAMETERS).some((name) => holdsExpression(ctx.getNode().parameters[name]))) {
		const expected = JSON.stringify(first);
		for (let itemIndex = 1; itemIndex < itemCount; itemIndex++) {
			if (JSON.stringify(readItemSettings(ctx, itemIndex)) !== expected) refuseDifferentSettings(ctx, itemIndex);
		}
	}
	return first;
}

function readItemSettings(ctx: IExecuteFunctions, itemIndex: number): { mode: WaitMode; settings: WaitSettings } {
	const pollInterval = ctx.getNodeParameter('pollInterval', itemIndex, MIN_POLL_INTERVAL_SECONDS);
	if (typeof pollInterval !== 'number' || !Number.isFinite(pollInterval) || pollInterval < MIN_POLL_INTERVAL_SECONDS) {
		fail(ctx, itemIndex, `Poll Interval must be at least ${MIN_POLL_INTERVAL_SECONDS} seconds, not ${JSON.stringify(pollInterval)}`, 'Roboflow rate-limits status checks to one per job per minute. Set Poll Interval to 60 or more.');
	}
	const maxWaitMinutes = ctx.getNodeParameter('maxWaitTime', itemIndex, 360);
	if (typeof maxWaitMinutes !== 'number' || !Number.isFinite(maxWaitMinutes) || maxWaitMinutes <= 0) {
		fail(ctx, itemIndex, `Max Wait Time must be a positive number of minutes, not ${JSON.stringify(maxWaitMinutes)}`, 'Set how long to wait for the job before giving up, e.g. 360 for six hours.');
	}
	const mode = ctx.getNodeParameter('waitMode', itemIndex, 'park');
	if (typeof mode !== 'string' || !WAIT_MODES.includes(mode as WaitMode)) {
		fail(ctx, itemIndex, `Wait Mode "${String(mode).slice(0, 40)}" is not one of the node's wait modes`, 'Choose Park Execution (the default) or Keep Execution Running.');
	}
	const onJobFailure = ctx.getNodeParameter('onJobFailure', itemIndex, 'stopWorkflow');
	if (typeof onJobFailure !== 'string' || !ON_JOB_FAILURE.includes(onJobFailure as OnJobFailure)) {
		fail(ctx, itemIndex, `On Job Failure "${String(onJobFailure).slice(0, 40)}" is not one of the node's choices`, 'Choose Stop Workflow (the default) or Output Failed Items With an Error Field.');
	}
	return {
		mode: mode as WaitMode,
		settings: {
			intervalMs: pollInterval * 1000,
			maxWaitMs: maxWaitMinutes * 60_000,
			results: readResultsOutputSettings(ctx, itemIndex),
			callerNodeName: ctx.getNode().name,
			framesInOneItem: mode === 'park',
			onJobFailure: onJobFailure as OnJobFailure,
		},
	};
}

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (value && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/** Names the first setting whose value for this item differs from the first item's, and refuses. */
function refuseDifferentSettings(ctx: IExecuteFunctions, itemIndex: number): never {
	const valueOf = (name: string, i: number): unknown => ctx.getNodeParameter(name, i, null);
	const show = (value: unknown): string => (value === undefined || value === null || value === '' ? 'empty' : JSON.stringify(value).slice(0, 60));
	for (const [name, label] of Object.entries(SETTINGS_PARAMETERS)) {
		const [mine, firsts] = [valueOf(name, itemIndex), valueOf(name, 0)];
		if (JSON.stringify(mine) === JSON.stringify(firsts)) continue;
		if (name === 'resultOptions') {
			const [a, b] = [(mine ?? {}) as Record<string, unknown>, (firsts ?? {}) as Record<string, unknown>];
			const key = [...new Set([...Object.keys(a), ...Object.keys(b)])].find((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
			if (key) fail(ctx, itemIndex, `${label} → ${resultOptionName(key)} is ${show(a[key])}, not ${show(b[key])} as for item 1`, SAME_FOR_ALL_ITEMS);
		}
		fail(ctx, itemIndex, `${label} is ${show(mine)}, not ${show(firsts)} as for item 1`, SAME_FOR_ALL_ITEMS);
	}
	fail(ctx, itemIndex, 'the wait\'s settings differ from those of item 1', SAME_FOR_ALL_ITEMS);
}

function resultOptionName(key: string): string {
	const collection = resultsOutputProperties({}).find((p) => p.name === 'resultOptions');
	const option = (collection?.options as INodeProperties[] | undefined)?.find((o) => o.name === key);
	return option?.displayName ?? key;
}

export function encodeWaitSettings(settings: WaitSettings): string {
	return JSON.stringify(settings);
}

/** What is wrong with a decoded settings value, if anything. Pure. */
export function settingsProblem(value: unknown): string | undefined {
	if (!value || typeof value !== 'object' || Array.isArray(value)) return 'they are not an object';
	const s = value as Partial<WaitSettings>;
	if (typeof s.intervalMs !== 'number' || !(s.intervalMs >= MIN_POLL_INTERVAL_SECONDS * 1000)) return 'the poll interval is missing or under a minute';
	if (typeof s.maxWaitMs !== 'number' || !(s.maxWaitMs > 0)) return 'the maximum wait is missing or not positive';
	if (typeof s.callerNodeName !== 'string' || s.callerNodeName === '') return 'the name of the Wait For Result node is missing';
	if (typeof s.framesInOneItem !== 'boolean') return '"frames in one item" is not true or false';
	if (s.onJobFailure !== undefined && !ON_JOB_FAILURE.includes(s.onJobFailure)) return `On Job Failure "${String(s.onJobFailure)}" is unknown`;
	const r = s.results;
	if (!r || typeof r !== 'object') return 'the output settings are missing';
	if (!Object.hasOwn(OUTPUT_FORMATS, r.output)) return `the output format "${String(r.output)}" is unknown`;
	if (typeof r.binaryPropertyName !== 'string' || r.binaryPropertyName === '') return 'the output field name is missing';
	if (typeof r.onlyFramesWithPredictions !== 'boolean') return '"only frames with predictions" is not true or false';
	const f = r.filters;
	if (!f || typeof f !== 'object') return 'the result filters are missing';
	if (f.minConfidence !== undefined && !(typeof f.minConfidence === 'number' && f.minConfidence >= 0 && f.minConfidence <= 1)) return 'the minimum confidence is not between 0 and 1';
	if (f.classes !== undefined && !(Array.isArray(f.classes) && f.classes.every((c) => typeof c === 'string'))) return 'the classes are not a list of names';
	// Absent in settings saved before frames could be selected: those waits keep every frame.
	const sel = r.selection ?? { everyNthFrame: 1 };
	if (typeof sel !== 'object' || !Number.isInteger(sel.everyNthFrame) || sel.everyNthFrame < 1) return 'Every Nth Frame is not a whole number of 1 or more';
	for (const t of [sel.fromSeconds, sel.toSeconds]) {
		if (t !== undefined && t !== null && !(typeof t === 'number' && t >= 0)) return 'a time window bound is not a number of seconds';
	}
	const a = r.analytics;
	if (a !== undefined) {
		if (!a || typeof a !== 'object') return 'the tracking settings are not an object';
		for (const key of ['maxHiddenSeconds', 'mergeGapsShorterThan', 'minimumDuration'] as const) {
			if (!(typeof a[key] === 'number' && a[key] >= 0)) return `the tracking setting ${key} is not a number of seconds`;
		}
		for (const shape of [a.countingLine, a.zone]) {
			if (shape !== undefined && !(shape && Array.isArray(shape.points) && shape.points.every((p) => Number.isFinite(p?.x) && Number.isFinite(p?.y)))) {
				return 'a counting line or zone is not a list of points';
			}
		}
	}
	return undefined;
}

/** Reads the settings the user's node handed to its internal check step, checking them once. */
export function decodeWaitSettings(ctx: IExecuteFunctions, raw: unknown): WaitSettings {
	let value: unknown = raw;
	if (typeof raw === 'string') {
		try {
			value = JSON.parse(raw);
		} catch {
			value = undefined;
		}
	}
	const problem = value === undefined ? 'they are not JSON' : settingsProblem(value);
	if (problem) {
		throw new NodeOperationError(ctx.getNode(), `The settings Wait For Result passed to its checking step cannot be used: ${problem}`, {
			description:
				'This step is made by a Wait For Result node and is not meant to be edited. Run the workflow again from the Wait For Result node; if this sub-workflow was saved by another version of the node, that rebuilds it.',
		});
	}
	const settings = value as WaitSettings;
	settings.results.selection ??= { everyNthFrame: 1 };
	settings.onJobFailure ??= 'stopWorkflow';
	return settings;
}

/** Whether failed jobs come out as error items (On Job Failure, or Continue On Fail as n8n's own nodes do) rather than fail the node. */
export function outputsFailedItems(ctx: IExecuteFunctions, settings: WaitSettings): boolean {
	return settings.onJobFailure === 'outputFailedItems' || ctx.continueOnFail();
}

/** Whether this node is the wait's internal check step (it carries settings) rather than a user's node. */
export function isCheckStep(ctx: IExecuteFunctions): boolean {
	return ctx.getNodeParameter(WAIT_SETTINGS_PARAMETER, 0, '') !== '';
}
