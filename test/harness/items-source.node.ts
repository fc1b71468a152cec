import { createReadStream } from 'fs';
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

/**
 * Test-only start node: emits the items given as JSON, each optionally carrying a file read
 * through n8n's binary helpers (so it lands in whichever binary data mode the test chose).
 */
export class ItemsSource implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Items Source',
		name: 'itemsSource',
		group: ['input'],
		version: 1,
		description: 'Emits test items',
		defaults: { name: 'Source' },
		inputs: [],
		outputs: ['main'],
		properties: [
			{ displayName: 'Items', name: 'items', type: 'string', default: '[]' },
			{ displayName: 'Binary Files', name: 'binaryFiles', type: 'string', default: '[]' },
			{ displayName: 'Stored Binaries', name: 'storedBinaries', type: 'string', default: '[]' },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as IDataObject[];
		// Each entry: { item, field, path, fileName?, mimeType?, empty? }
		const files = JSON.parse(this.getNodeParameter('binaryFiles', 0) as string) as Array<{
			item: number;
			field: string;
			path: string;
			fileName?: string;
			mimeType?: string;
		}>;
		// Binaries already in n8n's store: { item, field, data: IBinaryData }.
		const stored = JSON.parse(this.getNodeParameter('storedBinaries', 0, '[]') as string) as Array<{
			item: number;
			field: string;
			data: IBinaryData;
		}>;
		const out: INodeExecutionData[] = items.map((json) => ({ json }));
		for (const { item, field, data } of stored) out[item].binary = { ...(out[item].binary ?? {}), [field]: data };
		for (const file of files) {
			const data = await this.helpers.prepareBinaryData(createReadStream(file.path), file.fileName ?? file.path, file.mimeType);
			if (file.fileName !== undefined) data.fileName = file.fileName;
			out[file.item].binary = { ...(out[file.item].binary ?? {}), [file.field]: data };
		}
		return [out];
	}
}

/** Test-only stand-in for n8n's No Operation node: its input is its output. */
export class PassThrough implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pass Through',
		name: 'passThrough',
		group: ['transform'],
		version: 1,
		description: 'Passes items on',
		defaults: { name: 'Pass Through' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}
