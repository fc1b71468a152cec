import { join } from 'path';

import { resolveOutputSchemaPath } from 'n8n-core';
import type { INode, INodeParameters, INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeHelpers } from 'n8n-workflow';

import { RoboflowVideo } from '../../nodes/RoboflowVideo/RoboflowVideo.node';
import { OPERATIONS } from '../../nodes/RoboflowVideo/actions/node.type';

/**
 * What n8n's editor and AI agents make of the node's description, computed with n8n-workflow's
 * own helpers: the names of new nodes, the tool variant n8n builds from usableAsTool, and what
 * that variant shows.
 */

const description = new RoboflowVideo().description;

/** The tool variant as n8n 2.41 builds it (n8n/dist/tool-generation/ai-tools.js convertNodeToAiTool), in what matters here. */
const toolDescription: INodeTypeDescription = {
	...description,
	name: `${description.name}Tool`,
	displayName: `${description.displayName} Tool`,
	inputs: [],
	outputs: [NodeConnectionTypes.AiTool],
};

const node = (parameters: INodeParameters, type = description.name): INode => ({
	id: 'n1',
	name: 'n',
	type,
	typeVersion: 1,
	position: [0, 0],
	parameters,
});

/** The parameters the editor completes (with defaults) and shows, as n8n computes them. */
function shown(desc: INodeTypeDescription, parameters: INodeParameters): INodeParameters {
	return NodeHelpers.getNodeParameters(desc.properties, parameters, true, false, node(parameters, desc.name), desc) ?? {};
}

const operationOf = (desc: INodeTypeDescription, tool: boolean): INodeProperties =>
	desc.properties.find((p) => p.name === 'operation' && p.displayOptions?.show?.['@tool']?.[0] === tool) as INodeProperties;

describe('the node in n8n\'s editor', () => {
	it('lists the operations in the order a workflow uses them', () => {
		const options = operationOf(description, false).options as INodePropertyOptions[];
		expect(options.map((o) => o.name)).toEqual(['Upload Video', 'Start Inference', 'Wait For Result', 'Get Status']);
		expect([...options.map((o) => o.value)].sort()).toEqual([...OPERATIONS].sort());
	});

	it('names a new node after its action, as n8n does when one is added from the nodes panel', () => {
		const names = Object.fromEntries(OPERATIONS.map((operation) => [operation, NodeHelpers.makeNodeName(shown(description, { operation }), description)]));
		expect(names).toEqual({
			uploadVideo: 'Upload a video',
			startInference: 'Start inference on a video',
			waitForResult: 'Wait for the result of a job',
			getStatus: 'Get the status of a job',
		});
		// A workflow saved before the Resource parameter existed (no resource) reads the same.
		expect(NodeHelpers.makeNodeName(shown(description, { operation: 'getStatus' }), description)).toBe('Get the status of a job');
	});

	it('keeps the output schemas where n8n looks for them: an empty resource is left out of the path', () => {
		const nodeDir = join(__dirname, '..', '..', 'nodes', 'RoboflowVideo');
		for (const operation of OPERATIONS) {
			const resource = shown(description, { operation }).resource as string;
			expect(resolveOutputSchemaPath({ nodeDir, version: 1, resource, operation })).toBe(join(nodeDir, '__schema__', 'v1.0.0', `${operation}.json`));
		}
	});

	it('Wait Mode: the choices\' descriptions are short enough for the dropdown, and the caveat is in a hint', () => {
		const waitMode = description.properties.find((p) => p.name === 'waitMode') as INodeProperties;
		for (const option of waitMode.options as INodePropertyOptions[]) expect((option.description ?? '').length).toBeLessThanOrEqual(80);
		expect(waitMode.hint).toMatch(/execution slot/);
		expect(waitMode.hint).toMatch(/restart/);
	});

	it('says how the model\'s Confidence and the results\' Minimum Confidence differ', () => {
		const text = JSON.stringify(description.properties);
		expect(text).toMatch(/Sent to Roboflow with the job: predictions less sure than this \(0 to 1\) are dropped before the results are written/);
		expect(text).toMatch(/Applied by this node when it reads the results.*cannot bring back predictions the model's Confidence in Start Inference already dropped/);
	});
});

describe('the node as an AI agent tool', () => {
	it('is usable as a tool', () => {
		expect(description.usableAsTool).toBe(true);
	});

	it('offers Start Inference, Wait For Result and Get Status, and says why not Upload Video', () => {
		const operation = operationOf(description, true);
		expect((operation.options as INodePropertyOptions[]).map((o) => o.value)).toEqual(['startInference', 'waitForResult', 'getStatus']);
		expect(operation.description).toMatch(/Upload Video is not offered to an AI agent: it takes the video as binary input/);
		// A new tool starts on Start Inference; the plain node still on Upload Video.
		expect(shown(toolDescription, {}).operation).toBe('startInference');
		expect(shown(description, {}).operation).toBe('uploadVideo');
	});

	it('hides the binary input field from the tool', () => {
		expect(shown(description, { operation: 'uploadVideo' })).toHaveProperty('binaryPropertyName', 'data');
		expect(shown(toolDescription, { operation: 'uploadVideo' })).not.toHaveProperty('binaryPropertyName');
	});

	it('describes each tool by its action when Tool Description is Set Automatically', () => {
		const nodeType = { description: toolDescription } as never;
		const describe = (operation: string) => NodeHelpers.getToolDescriptionForNode(node({ ...shown(toolDescription, { operation }), descriptionType: 'auto' }, toolDescription.name), nodeType);
		expect(describe('startInference')).toBe('Start inference on a video in Roboflow Video');
		expect(describe('waitForResult')).toBe('Wait for the result of a job in Roboflow Video');
		expect(describe('getStatus')).toBe('Get the status of a job in Roboflow Video');
		// n8n names a new tool node the same way, with the node's name after it.
		expect(NodeHelpers.makeNodeName(shown(toolDescription, { operation: 'waitForResult' }), toolDescription)).toBe('Wait for the result of a job in Roboflow Video');
	});
});
