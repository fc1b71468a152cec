import type { IExecuteFunctions, INodeExecutionData, INodePropertyOptions, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as getStatus from './actions/getStatus.operation';
import type { Operation } from './actions/node.type';
import { router } from './actions/router';
import * as startInference from './actions/startInference.operation';
import * as uploadVideo from './actions/uploadVideo.operation';
import * as waitForResult from './actions/waitForResult';
import { roboflowApiTest } from './methods/credentialTest';
import { searchModels } from './methods/listSearch';

/** Alphabetical, as n8n's lint asks; typed, so each value is a real operation. */
const OPERATION_OPTIONS: Array<INodePropertyOptions & { value: Operation }> = [
	{
		name: 'Get Status',
		value: 'getStatus',
		description: 'Check once whether an inference job has finished',
		action: 'Get the status of a job',
	},
	{
		name: 'Start Inference',
		value: 'startInference',
		description: 'Start running models on a video',
		action: 'Start an inference job',
	},
	{
		name: 'Wait For Result',
		value: 'waitForResult',
		description:
			'Wait until a job ends, checking at most once a minute, and output its results',
		action: 'Wait for the result of a job',
	},
	{
		name: 'Upload Video',
		value: 'uploadVideo',
		description: 'Upload a video file to Roboflow so a job can use it',
		action: 'Upload a video',
	},
];

export class RoboflowVideo implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Roboflow Video',
		name: 'roboflowVideo',
		icon: { light: 'file:roboflow.svg', dark: 'file:roboflow.dark.svg' },
		group: ['transform'],
		version: 1,
		// A literal, as n8n's lint requires; the node.type test checks it names every operation.
		subtitle:
			'={{ { uploadVideo: "Upload Video", startInference: "Start Inference", getStatus: "Get Status", waitForResult: "Wait For Result" }[$parameter["operation"]] }}',
		description: 'Run Roboflow computer-vision models on videos and get the results',
		defaults: { name: 'Roboflow Video' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: waitForResult.NODE_OUTPUTS,
		credentials: [{ name: 'roboflowApi', required: true, testedBy: 'roboflowApiTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: OPERATION_OPTIONS,
				default: 'uploadVideo',
			},
			...uploadVideo.description,
			...startInference.description,
			...getStatus.description,
			...waitForResult.description,
		],
	};

	methods = {
		listSearch: { searchModels },
		credentialTest: { roboflowApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
