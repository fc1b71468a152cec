/**
 * Static checks of an n8n workflow JSON file against the node types of a real n8n install
 * (environment.ts, node-types.ts), one file per kind of check: node.ts, parameters.ts,
 * connections.ts. cli.ts runs them outside jest.
 *
 * Everything n8n-specific is loaded from the install that is passed in (its n8n-nodes-base and the
 * n8n-workflow next to it), so the checks use the same node descriptions and the same helpers as
 * that n8n version; nothing here is a project dependency. Our own node comes from the built
 * package (`<ourDistDir>/nodes/RoboflowVideo/RoboflowVideo.node.js`).
 *
 * Reported:
 * - workflow structure problems (n8n-workflow's `safeParseWorkflowStructure`, what n8n import runs);
 * - unknown node types and type versions;
 * - parameter issues n8n's editor would show (`NodeHelpers.getNodeParametersIssues` on the
 *   parameters completed by `NodeHelpers.getNodeParameters`): missing required values, resource
 *   locator values that fail their mode's validation;
 * - what those helpers do not look at: parameters the node does not have, parameters that are set
 *   but not shown with the node's other settings (n8n drops them), option values that are not
 *   among a parameter's options, unknown resource locator modes, values of the wrong type;
 * - credential types the node does not declare, or does not use with its settings (a missing
 *   required credential is fine: examples ship without secrets);
 * - connections from or to nodes that do not exist, into trigger nodes, or to inputs/outputs the
 *   node does not have.
 */
import * as fs from 'node:fs';

import { checkConnections, type NodesByName } from './connections';
import { environment, type ValidateWorkflowOptions } from './environment';
import { checkNode } from './node';
import { isPlainObject, show } from './values';

export type { ValidateWorkflowOptions } from './environment';

/** Checks a workflow object (as exported by n8n). Returns one line per problem; empty when fine. */
export function validateWorkflow(workflow: unknown, opts: ValidateWorkflowOptions): string[] {
	const env = environment(opts);
	const problems: string[] = [];
	if (!isPlainObject(workflow)) return ['the workflow is not a JSON object'];

	const structure = env.workflowLib.safeParseWorkflowStructure?.(workflow);
	if (structure && !structure.success) {
		for (const issue of structure.issues) {
			const where =
				issue.path && env.workflowLib.formatWorkflowStructureIssuePath
					? env.workflowLib.formatWorkflowStructureIssuePath(issue.path)
					: (issue.path ?? []).join('.');
			problems.push(`structure: ${where || 'workflow'}: ${issue.message}`);
		}
	}

	const nodes = Array.isArray(workflow.nodes) ? (workflow.nodes as unknown[]) : [];
	if (!Array.isArray(workflow.nodes)) problems.push('the workflow has no nodes list');
	const byName: NodesByName = new Map();
	for (const entry of nodes) {
		if (!isPlainObject(entry)) {
			problems.push(`a node is not an object: ${show(entry)}`);
			continue;
		}
		const name = String(entry.name ?? '');
		if (byName.has(name)) problems.push(`two nodes are named "${name}"`);
		const { description } = checkNode(env, entry, problems);
		byName.set(name, { raw: entry, description });
	}

	checkConnections(isPlainObject(workflow.connections) ? workflow.connections : {}, byName, problems);
	return problems;
}

/** Reads and checks a workflow file. Returns one line per problem; empty when fine. */
export function validateWorkflowFile(file: string, opts: ValidateWorkflowOptions): string[] {
	let workflow: unknown;
	try {
		workflow = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch (error) {
		return [`${file}: cannot read the workflow: ${(error as Error).message}`];
	}
	return validateWorkflow(workflow, opts);
}
