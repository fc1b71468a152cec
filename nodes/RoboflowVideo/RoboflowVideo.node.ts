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

/**
 * In the order a workflow uses them (upload, start, wait, check), not alphabetically: n8n's nodes
 * panel and the Operation dropdown list them as given. The classic lint rule
 * node-param-options-type-unsorted-items skips options given by a variable; n8n's own nodes that
 * order options on purpose (NocoDB v2 rows, Microsoft Teams v2) disable it with a reason.
 * Each `action` is what n8n names a new node after, and, with " in Roboflow Video", the tool
 * description an AI agent sees when Tool Description is left on Set Automatically.
 * Typed, so each value is a real operation.
 */
const OPERATION_OPTIONS: Array<INodePropertyOptions & { value: Operation }> = [
	{
		name: 'Upload Video',
		value: 'uploadVideo',
		description: 'Upload a video file to Roboflow so a job can use it',
		action: 'Upload a video',
	},
	{
		name: 'Start Inference',
		value: 'startInference',
		description: 'Start running models on a video',
		action: 'Start inference on a video',
	},
	{
		name: 'Wait For Result',
		value: 'waitForResult',
		description: 'Wait until a job ends, checking at most once a minute, and output its results',
		action: 'Wait for the result of a job',
	},
	{
		name: 'Get Status',
		value: 'getStatus',
		description: 'Check once whether an inference job has finished',
		action: 'Get the status of a job',
	},
];

/**
 * The AI agent tool variant (n8n makes "Roboflow Video Tool" from usableAsTool) offers every
 * operation but Upload Video, which takes the video as binary input that an agent cannot pass.
 */
const TOOL_OPERATION_OPTIONS = OPERATION_OPTIONS.filter((option) => option.value !== 'uploadVideo');

/**
 * The one resource. n8n names a new node after its operation's `action`, and sets an AI tool's
 * automatic description from it, only when the Operation parameter is shown for a resource
 * (n8n-workflow NodeHelpers makeNodeName / makeDescription); without one, every new node was
 * named "Roboflow Video" and every tool described alike. Its value is '' so that the output
 * schemas stay at __schema__/v1.0.0/<operation>.json: n8n leaves an empty resource out of the
 * schema path (n8n-core resolveOutputSchemaPath, and the editor's schema preview request).
 */
const RESOURCE = '';

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
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Video', value: RESOURCE }],
				default: RESOURCE,
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: [RESOURCE], '@tool': [false] } },
				options: OPERATION_OPTIONS,
				default: 'uploadVideo',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: [RESOURCE], '@tool': [true] } },
				options: TOOL_OPERATION_OPTIONS,
				default: 'startInference',
				description:
					'Upload Video is not offered to an AI agent: it takes the video as binary input, which an agent cannot pass. Upload before the agent runs, or give Start Inference a public video URL.',
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
