import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { runWaitRound, type WaitState } from './jobTracker';
import type { WaitSettings } from './settings';

/** Keep Execution Running: checks from inside the running execution, sleeping in between. */
export async function keepRunning(this: IExecuteFunctions, jobIdValues: unknown[], settings: WaitSettings): Promise<INodeExecutionData[][]> {
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
