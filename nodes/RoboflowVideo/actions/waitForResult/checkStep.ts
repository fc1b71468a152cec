import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runWaitRound, type WaitState } from './jobTracker';
import { batchProgress } from './progress';
import { isLongWait, mustSettle, SETTLE_MS } from './schedule';
import { decodeWaitSettings, WAIT_SETTINGS_PARAMETER, type WaitSettings } from './settings';

/**
 * The internal check step of Park Execution: one round of checks, then park until the next job
 * is due (output 0 loops back here), or hand over the results (output 1 ends the sub-workflow).
 */
export async function checkStep(this: IExecuteFunctions, jobIdValues: unknown[]): Promise<INodeExecutionData[][]> {
	const settings = decodeWaitSettings(this, this.getNodeParameter(WAIT_SETTINGS_PARAMETER, 0));
	const state = this.getContext('node') as WaitState;
	const now = Date.now();
	if (mustSettle(state, now)) {
		state.settling = true;
		return await parkUntil.call(this, state, settings, now + SETTLE_MS);
	}
	state.settling = false;
	const round = await runWaitRound.call(this, state, jobIdValues, settings);
	if (round.finished) return [[], round.items];
	return await parkUntil.call(this, state, settings, round.nextCheckAt);
}

async function parkUntil(this: IExecuteFunctions, state: WaitState, settings: WaitSettings, until: number): Promise<INodeExecutionData[][]> {
	state.parkedUntil = until;
	state.parkedForLong = isLongWait(until, Date.now());
	showProgress.call(this, state, settings, until);
	await this.putExecutionToWait(new Date(until));
	// On a timed resume n8n passes these input items to output 0, which loops back here.
	return [this.getInputData(), []];
}

/**
 * Writes each job's progress into its input item. n8n keeps these items with the parked
 * execution and, on the timed resume, passes them on as this step's output: the only output of
 * a parked step the editor ever shows. The items are this sub-workflow's own (Start hands over
 * the ones the user's node built), so changing them touches nothing of the user's workflow;
 * `job_id` stays as it is, for this step's Job ID expression.
 */
function showProgress(this: IExecuteFunctions, state: WaitState, settings: WaitSettings, until: number): void {
	const items = this.getInputData();
	const rows = batchProgress(Object.values(state.jobs ?? {}), items.length, state.startedAt ?? Date.now(), until, settings.intervalMs);
	rows.forEach((row, i) => {
		if (row) items[i].json = { ...row, job_id: items[i].json.job_id };
	});
}
