import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { fail } from '../../helpers/validation';
import { OUTPUT_FORMATS, type ResultsOutputSettings } from '../../results/output';
import { readResultsOutputSettings } from '../shared/resultsOutput';

/** Roboflow asks for at most one status call per job per minute. */
export const MIN_POLL_INTERVAL_SECONDS = 60;

/** The hidden parameter that carries the settings into the wait's internal check step. */
export const WAIT_SETTINGS_PARAMETER = 'waitSettings';

export type WaitMode = 'park' | 'keepRunning';

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
}

const WAIT_MODES: WaitMode[] = ['park', 'keepRunning'];

/** The settings apply to all items together (one wait); they are read from the first item. */
export function readWaitSettings(ctx: IExecuteFunctions): { mode: WaitMode; settings: WaitSettings } {
	const pollInterval = ctx.getNodeParameter('pollInterval', 0, MIN_POLL_INTERVAL_SECONDS);
	if (typeof pollInterval !== 'number' || !Number.isFinite(pollInterval) || pollInterval < MIN_POLL_INTERVAL_SECONDS) {
		fail(ctx, 0, `Poll Interval must be at least ${MIN_POLL_INTERVAL_SECONDS} seconds, not ${JSON.stringify(pollInterval)}`, 'Roboflow rate-limits status checks to one per job per minute. Set Poll Interval to 60 or more.');
	}
	const maxWaitMinutes = ctx.getNodeParameter('maxWaitTime', 0, 360);
	if (typeof maxWaitMinutes !== 'number' || !Number.isFinite(maxWaitMinutes) || maxWaitMinutes <= 0) {
		fail(ctx, 0, `Max Wait Time must be a positive number of minutes, not ${JSON.stringify(maxWaitMinutes)}`, 'Set how long to wait for the job before giving up, e.g. 360 for six hours.');
	}
	const mode = ctx.getNodeParameter('waitMode', 0, 'park');
	if (typeof mode !== 'string' || !WAIT_MODES.includes(mode as WaitMode)) {
		fail(ctx, 0, `Wait Mode "${String(mode).slice(0, 40)}" is not one of the node's wait modes`, 'Choose Park Execution (the default) or Keep Execution Running.');
	}
	return {
		mode: mode as WaitMode,
		settings: {
			intervalMs: pollInterval * 1000,
			maxWaitMs: maxWaitMinutes * 60_000,
			results: readResultsOutputSettings(ctx, 0),
			callerNodeName: ctx.getNode().name,
			framesInOneItem: mode === 'park',
		},
	};
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
	return settings;
}

/** Whether this node is the wait's internal check step (it carries settings) rather than a user's node. */
export function isCheckStep(ctx: IExecuteFunctions): boolean {
	return ctx.getNodeParameter(WAIT_SETTINGS_PARAMETER, 0, '') !== '';
}
