import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, sleep, updateDisplayOptions } from 'n8n-workflow';

import { fail, requireJobId } from '../helpers/validation';
import { jobIdProperty } from './shared/jobId';
import { readResultsOutputSettings, resultsOutputProperties } from './shared/resultsOutput';
import { buildInlineWaitWorkflow, CHECK_STEP } from './waitForResult/inlineWorkflow';
import { runWaitRound, type WaitSettings, type WaitState } from './waitForResult/jobTracker';

/** Roboflow asks for at most one status call per job per minute. */
export const MIN_POLL_INTERVAL_SECONDS = 60;

const properties: INodeProperties[] = [
	jobIdProperty,
	{
		displayName: 'Wait Mode',
		name: 'waitMode',
		type: 'options',
		options: [
			{
				name: 'Park Execution',
				value: 'park',
				description:
					'Saves the execution to n8n\'s database between checks and resumes it by itself, also after a restart. Nothing runs while the job does.',
			},
			{
				name: 'Keep Execution Running',
				value: 'keepRunning',
				description:
					'The execution stays active and checks from memory. Use it only where parking is not available (n8n\'s opt-in engine v2): it holds an execution slot for the whole job and does not survive a restart.',
			},
		],
		default: 'park',
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		default: MIN_POLL_INTERVAL_SECONDS,
		typeOptions: { minValue: MIN_POLL_INTERVAL_SECONDS, numberPrecision: 0 },
		description: 'Seconds between two status checks of a job. Roboflow allows at most one a minute.',
	},
	{
		displayName: 'Max Wait Time (Minutes)',
		name: 'maxWaitTime',
		type: 'number',
		default: 360,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		description:
			'Give up after this long; the job itself goes on at Roboflow and can be picked up later with Get Status or another Wait For Result',
	},
	...resultsOutputProperties({}),
	{
		// Set only inside the sub-workflow that Park Execution runs: never shown to users.
		displayName: 'Internal Step',
		name: 'internalStep',
		type: 'hidden',
		default: '',
	},
	{
		// The user's node, named in the errors the internal step raises.
		displayName: 'Caller Node Name',
		name: 'callerNodeName',
		type: 'hidden',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['waitForResult'] } }, properties);

const WAIT_MODES = ['park', 'keepRunning'];

/** The settings apply to all items together (one wait); they are read from the first item. */
function readWaitSettings(this: IExecuteFunctions): WaitSettings {
	const pollInterval = this.getNodeParameter('pollInterval', 0, MIN_POLL_INTERVAL_SECONDS);
	if (typeof pollInterval !== 'number' || !(pollInterval >= MIN_POLL_INTERVAL_SECONDS) || !Number.isFinite(pollInterval)) {
		fail(this, 0, `Poll Interval must be at least ${MIN_POLL_INTERVAL_SECONDS} seconds, not ${JSON.stringify(pollInterval)}`, 'Roboflow rate-limits status checks to one per job per minute. Set Poll Interval to 60 or more.');
	}
	const maxWaitMinutes = this.getNodeParameter('maxWaitTime', 0, 360);
	if (typeof maxWaitMinutes !== 'number' || !(maxWaitMinutes > 0) || !Number.isFinite(maxWaitMinutes)) {
		fail(this, 0, `Max Wait Time must be a positive number of minutes, not ${JSON.stringify(maxWaitMinutes)}`, 'Set how long to wait for the job before giving up, e.g. 360 for six hours.');
	}
	const mode = this.getNodeParameter('waitMode', 0, 'park');
	if (typeof mode !== 'string' || !WAIT_MODES.includes(mode)) {
		fail(this, 0, `Wait Mode "${String(mode).slice(0, 40)}" is not one of the node's wait modes`, 'Choose Park Execution (the default) or Keep Execution Running.');
	}
	return {
		intervalMs: pollInterval * 1000,
		maxWaitMs: maxWaitMinutes * 60_000,
		results: readResultsOutputSettings(this, 0),
		callerNodeName: (this.getNodeParameter('callerNodeName', 0, '') as string) || this.getNode().name,
	};
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const settings = readWaitSettings.call(this);
	const jobIdValues = items.map((_, i) => this.getNodeParameter('jobId', i) as unknown);

	if ((this.getNodeParameter('internalStep', 0, '') as string) === CHECK_STEP) {
		return await checkOnce.call(this, jobIdValues, settings);
	}
	// Refuse bad job IDs before anything starts; Continue On Fail turns them into error items later.
	if (!this.continueOnFail()) jobIdValues.forEach((value, i) => requireJobId(this, value, i));

	const mode = this.getNodeParameter('waitMode', 0, 'park') as string;
	if (mode === 'keepRunning') return await keepRunning.call(this, jobIdValues, settings);
	return await park.call(this, jobIdValues, settings);
}

/**
 * n8n resumes a wait of a minute or more within a fraction of a second of its time; long
 * after it only when n8n was not running then. Such a late resume happens while n8n is still
 * starting, when its start-up recovery may mark an execution that is running at that moment
 * as crashed: a sub-execution that finished at once would have its parent resumed right into
 * that window and lost. So after a late resume the step first sits out one short wait, which
 * n8n picks up on its next sweep (within a minute), and only then checks and hands over.
 */
export const LATE_RESUME_MS = 10_000;
const SETTLE_MS = 30_000;
/** Waits of about a minute or more are armed by n8n's minute sweep ahead of time, so they resume on time. */
const PRECISE_WAIT_MS = 55_000;

/** The internal step: one round, then park until the next job is due, or hand over the results. */
async function checkOnce(this: IExecuteFunctions, jobIdValues: unknown[], settings: WaitSettings): Promise<INodeExecutionData[][]> {
	const state = this.getContext('node') as WaitState;
	const now = Date.now();
	const resumedLate = state.parkedForLong && state.parkedUntil !== undefined && now - state.parkedUntil > LATE_RESUME_MS;
	if (resumedLate && !state.settling) {
		state.settling = true;
		return await parkUntil.call(this, state, now + SETTLE_MS);
	}
	state.settling = false;
	const round = await runWaitRound.call(this, state, jobIdValues, settings);
	if (round.finished) return [[], round.items];
	return await parkUntil.call(this, state, round.nextCheckAt);
}

async function parkUntil(this: IExecuteFunctions, state: WaitState, until: number): Promise<INodeExecutionData[][]> {
	state.parkedUntil = until;
	state.parkedForLong = until - Date.now() >= PRECISE_WAIT_MS;
	await this.putExecutionToWait(new Date(until));
	// On a timed resume n8n passes these input items to output 0, which loops back here.
	return [this.getInputData(), []];
}

async function keepRunning(this: IExecuteFunctions, jobIdValues: unknown[], settings: WaitSettings): Promise<INodeExecutionData[][]> {
	const state: WaitState = {};
	const signal = this.getExecutionCancelSignal();
	for (;;) {
		const round = await runWaitRound.call(this, state, jobIdValues, settings);
		if (round.finished) return [round.items];
		try {
			await sleep(Math.max(0, round.nextCheckAt - Date.now()), signal);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), 'Stopped waiting: the execution was canceled', {
				description: `The job${round.pendingJobIds.length > 1 ? 's' : ''} ${round.pendingJobIds.join(', ')} go on at Roboflow; pick them up with Get Status or Wait For Result.`,
				// Keeps n8n's own reason with the error for anyone debugging.
				...(error instanceof Error ? { cause: error } : {}),
			} as ConstructorParameters<typeof NodeOperationError>[2]);
		}
	}
}

async function park(this: IExecuteFunctions, jobIdValues: unknown[], settings: WaitSettings): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const checkParameters: IDataObject = {
		jobId: '={{ $json.job_id }}',
		callerNodeName: node.name,
		pollInterval: settings.intervalMs / 1000,
		maxWaitTime: settings.maxWaitMs / 60_000,
		output: settings.results.output,
		outputBinaryField: settings.results.binaryPropertyName,
		resultOptions: {
			minConfidence: settings.results.filters.minConfidence ?? 0,
			classes: (settings.results.filters.classes ?? []).join(','),
			onlyFramesWithPredictions: settings.results.onlyFramesWithPredictions,
		},
	};
	// Job IDs are resolved here, where the user's expressions can see the whole workflow.
	const childItems: INodeExecutionData[] = jobIdValues.map((jobId, i) => ({
		json: { job_id: jobId as string },
		pairedItem: { item: i },
	}));
	const result = await this.executeWorkflow(
		{ code: buildInlineWaitWorkflow(node, checkParameters) },
		childItems,
		undefined,
		{
			parentExecution: {
				executionId: this.getExecutionId(),
				workflowId: this.getWorkflow().id as string,
				shouldResume: true,
			},
		},
	);
	// While the sub-execution is parked this is a placeholder that n8n replaces on resume
	// with the sub-workflow's final output; it must never be null.
	return (result.data ?? [[]]).map((items) => items ?? []);
}
