import { createReadStream } from 'fs';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

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
		const out: INodeExecutionData[] = items.map((json) => ({ json }));
		for (const file of files) {
			const data = await this.helpers.prepareBinaryData(createReadStream(file.path), file.fileName ?? file.path, file.mimeType);
			if (file.fileName !== undefined) data.fileName = file.fileName;
			out[file.item].binary = { ...(out[file.item].binary ?? {}), [file.field]: data };
		}
		return [out];
	}
}
