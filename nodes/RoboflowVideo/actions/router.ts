import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../helpers/errors';

import * as getStatus from './getStatus.operation';
import * as startInference from './startInference.operation';
import * as uploadVideo from './upload.operation';
import * as waitForResult from './waitForResult.operation';

/**
 * An operation that works item by item in two phases: `prepare` reads and checks an item's
 * parameters without any network call, `execute` does the work. Every item is prepared before
 * the first one executes, so a batch with one bad item never half-starts billed jobs.
 */
export interface PerItemOperation<Plan> {
	prepare(this: IExecuteFunctions, itemIndex: number): Promise<Plan>;
	execute(this: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<INodeExecutionData[]>;
}

/** Forgets an operation's plan type: the router only hands a plan from prepare to execute. */
function erase<Plan>(operation: PerItemOperation<Plan>): PerItemOperation<unknown> {
	return operation as PerItemOperation<unknown>;
}

const perItemOperations: Record<string, PerItemOperation<unknown>> = {
	uploadVideo: erase(uploadVideo),
	startInference: erase(startInference),
	getStatus: erase(getStatus),
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	// Waiting concerns all items together: their results leave when the last job ends.
	if (operation === 'waitForResult') return await waitForResult.execute.call(this);
	const run = perItemOperations[operation];
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known`, {
			description: 'Pick an operation from the list; this workflow may come from a newer version of the node.',
		});
	}
	return [await runPerItem.call(this, run)];
}

/**
 * Runs an operation for every input item. With Continue On Fail, a failing item becomes an
 * error item paired to its input and the others go on; without it, the first error stops the
 * node, and a bad item stops it before any item has made a request.
 */
export async function runPerItem<Plan>(this: IExecuteFunctions, operation: PerItemOperation<Plan>): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const plans: Array<{ plan: Plan } | { error: unknown }> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			plans.push({ plan: await operation.prepare.call(this, itemIndex) });
		} catch (error) {
			if (!continueOnFail) throw asNodeError(this.getNode(), error, itemIndex);
			plans.push({ error });
		}
	}
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const prepared = plans[itemIndex];
		try {
			if ('error' in prepared) throw prepared.error;
			const output = await operation.execute.call(this, prepared.plan, itemIndex);
			for (const item of output) returnData.push({ ...item, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!continueOnFail) throw asNodeError(this.getNode(), error, itemIndex);
			returnData.push({ json: errorJson(error), pairedItem: { item: itemIndex } });
		}
	}
	return returnData;
}

export function errorJson(error: unknown): { error: string; description?: string } {
	const e = error as { message?: string; description?: string | null };
	const json: { error: string; description?: string } = { error: e?.message ?? String(error) };
	if (e?.description) json.description = e.description;
	return json;
}
