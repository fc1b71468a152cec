import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../helpers/errors';

import * as getStatus from './getStatus.operation';
import * as startInference from './startInference.operation';
import * as uploadVideo from './upload.operation';
import * as waitForResult from './waitForResult.operation';

type PerItemOperation = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

const perItemOperations: Record<string, PerItemOperation> = {
	uploadVideo: uploadVideo.execute,
	startInference: startInference.execute,
	getStatus: getStatus.execute,
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
 * Runs an operation once per input item. With Continue On Fail, a failing item becomes an
 * error item paired to its input and the others go on; without it, the first error stops the node.
 */
export async function runPerItem(this: IExecuteFunctions, run: PerItemOperation): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const output = await run.call(this, itemIndex);
			for (const item of output) returnData.push({ ...item, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (this.continueOnFail()) {
				returnData.push({ json: errorJson(error), pairedItem: { item: itemIndex } });
				continue;
			}
			throw asNodeError(this.getNode(), error, itemIndex);
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

