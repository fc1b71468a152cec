import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as getStatus from './actions/getStatus.operation';
import { router } from './actions/router';
import * as startInference from './actions/startInference.operation';
import * as uploadVideo from './actions/upload.operation';
import * as waitForResult from './actions/waitForResult.operation';
import { CHECK_STEP } from './actions/waitForResult/inlineWorkflow';
import { searchModels } from './methods/listSearch';

export class RoboflowVideo implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Roboflow Video',
		name: 'roboflowVideo',
		icon: { light: 'file:roboflow.svg', dark: 'file:roboflow.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ { uploadVideo: "Upload Video", startInference: "Start Inference", getStatus: "Get Status", waitForResult: "Wait For Result" }[$parameter["operation"]] }}',
		description: 'Run Roboflow computer-vision models on videos and get the results',
		defaults: { name: 'Roboflow Video' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// Two outputs only in the internal check step of Wait For Result (pending, done).
		outputs: `={{ $parameter.internalStep === '${CHECK_STEP}' ? ['main', 'main'] : ['main'] }}`,
		credentials: [{ name: 'roboflowApi', required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
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
				],
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
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
