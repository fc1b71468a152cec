import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../helpers/errors';
import * as getStatus from './getStatus.operation';
import { isOperation, type Route } from './node.type';
import { errorItem } from './shared/errorItem';
import * as startInference from './startInference.operation';
import * as uploadVideo from './uploadVideo.operation';
import * as waitForResult from './waitForResult';

/**
 * An operation that works item by item in two phases: `prepare` reads and checks an item's
 * parameters without any network call, `execute` does the work. Every item is prepared before
 * the first one executes, so a batch with one bad item never half-starts billed jobs.
 */
export interface PerItemOperation<Plan> {
	prepare(this: IExecuteFunctions, itemIndex: number): Promise<Plan>;
	execute(this: IExecuteFunctions, plan: Plan, itemIndex: number): Promise<INodeExecutionData[]>;
}

type Handler = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

function perItem<Plan>(operation: PerItemOperation<Plan>): Handler {
	return async function (this: IExecuteFunctions) {
		return [await runPerItem.call(this, operation)];
	};
}

/** Every route has its handler: leaving one out does not compile. */
const handlers: Record<Route, Handler> = {
	uploadVideo: perItem(uploadVideo),
	startInference: perItem(startInference),
	getStatus: perItem(getStatus),
	// Waiting concerns all items together: their results leave when the last job ends.
	waitForResult: waitForResult.execute,
	checkJobs: waitForResult.execute,
};

function routeOf(ctx: IExecuteFunctions): Route {
	const operation = ctx.getNodeParameter('operation', 0);
	if (!isOperation(operation)) {
		throw new NodeOperationError(ctx.getNode(), `The operation "${String(operation)}" is not known`, {
			description: 'Pick an operation from the list; this workflow may come from a newer version of the node.',
		});
	}
	return operation === 'waitForResult' && waitForResult.isCheckStep(ctx) ? 'checkJobs' : operation;
}

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await handlers[routeOf(this)].call(this);
}

/** The job an item is about, when its plan names one (for error items). */
function jobIdOf(plan: unknown): string | undefined {
	const jobId = (plan as { jobId?: unknown } | undefined)?.jobId;
	return typeof jobId === 'string' ? jobId : undefined;
}

/**
 * Runs an operation for every input item. With Continue On Fail, a failing item becomes the
 * node's one shape of error item, paired to its input, and the others go on; without it, the
 * first error stops the node, and a bad item stops it before any item has made a request.
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
			returnData.push(errorItem(error, itemIndex, { jobId: 'plan' in prepared ? jobIdOf(prepared.plan) : undefined }));
		}
	}
	return returnData;
}
