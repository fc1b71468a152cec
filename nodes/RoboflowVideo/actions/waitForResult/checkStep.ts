import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runWaitRound, type WaitState } from './jobTracker';
import { isLongWait, mustSettle, SETTLE_MS } from './schedule';
import { decodeWaitSettings, WAIT_SETTINGS_PARAMETER } from './settings';

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
		return await parkUntil.call(this, state, now + SETTLE_MS);
	}
	state.settling = false;
	const round = await runWaitRound.call(this, state, jobIdValues, settings);
	if (round.finished) return [[], round.items];
	return await parkUntil.call(this, state, round.nextCheckAt);
}

async function parkUntil(this: IExecuteFunctions, state: WaitState, until: number): Promise<INodeExecutionData[][]> {
	state.parkedUntil = until;
	state.parkedForLong = isLongWait(until, Date.now());
	await this.putExecutionToWait(new Date(until));
	// On a timed resume n8n passes these input items to output 0, which loops back here.
	return [this.getInputData(), []];
}
