/**
 * One node of a workflow: a known type and version, the parameter issues n8n's editor would
 * show (`NodeHelpers.getNodeParametersIssues` on the parameters completed by
 * `NodeHelpers.getNodeParameters`), what those helpers do not look at (parameters.ts), and
 * credential types the node does not declare or does not use with its settings (a missing
 * required credential is fine: examples ship without secrets).
 */
import type { INode, INodeParameters, INodeTypeDescription } from 'n8n-workflow';

import type { Environment } from './environment';
import { descriptionFor, knownVersions, loadNodeType } from './node-types';
import { checkValues } from './parameters';
import { isPlainObject, show } from './values';

export function checkNode(env: Environment, raw: Record<string, unknown>, problems: string[]): { description?: INodeTypeDescription } {
	const name = String(raw.name ?? '(unnamed)');
	const type = String(raw.type ?? '');
	const nodeProblems: string[] = [];
	const report = () => problems.push(...nodeProblems.map((p) => `node "${name}" (${type}): ${p}`));

	const loaded = type ? loadNodeType(env, type) : null;
	if (!loaded) {
		nodeProblems.push(`unknown node type "${type}"`);
		report();
		return {};
	}
	const versions = knownVersions(loaded);
	if (raw.typeVersion === undefined) {
		nodeProblems.push(`no typeVersion (known: ${versions.join(', ')})`);
		report();
		return {};
	}
	const version = Number(raw.typeVersion);
	if (!versions.includes(version)) {
		nodeProblems.push(`unknown typeVersion ${show(raw.typeVersion)} (known: ${versions.join(', ')})`);
		report();
		return {};
	}

	const description = descriptionFor(env, loaded, version);
	const { NodeHelpers } = env.workflowLib;
	const parameters = (isPlainObject(raw.parameters) ? raw.parameters : {}) as INodeParameters;
	const node = { ...(raw as unknown as INode), typeVersion: version, parameters };

	// What n8n's editor computes: the parameters with defaults, then their issues.
	const shown =
		NodeHelpers.getNodeParameters(description.properties, parameters, true, false, node, description) ?? {};
	const issues = NodeHelpers.getNodeParametersIssues(description.properties, { ...node, parameters: shown }, description);
	for (const [parameter, messages] of Object.entries(issues?.parameters ?? {})) {
		for (const message of messages) nodeProblems.push(`parameter "${parameter}": ${message}`);
	}

	// What those helpers do not check: unknown / hidden parameters, option values, value types.
	const root =
		NodeHelpers.getNodeParameters(description.properties, parameters, true, true, node, description) ?? {};
	checkValues({ helpers: NodeHelpers, node, description, root, problems: nodeProblems }, description.properties, parameters, '');

	// Credentials: only types the node declares (or selects through HTTP Request style parameters).
	if (raw.credentials !== undefined) {
		if (!isPlainObject(raw.credentials)) nodeProblems.push('credentials must be an object keyed by credential type');
		else {
			const declared = new Set((description.credentials ?? []).map((c) => c.name));
			for (const key of ['nodeCredentialType', 'genericAuthType']) {
				if (typeof shown[key] === 'string') declared.add(shown[key] as string);
			}
			let active: Set<string> | null = null;
			try {
				active = NodeHelpers.getActiveCredentialTypes?.({ ...node, parameters: shown }, description) ?? null;
			} catch {
				active = null;
			}
			for (const [credentialType, value] of Object.entries(raw.credentials)) {
				if (!declared.has(credentialType)) {
					const names = [...declared];
					nodeProblems.push(
						`credential type "${credentialType}" is not one this node uses (${names.length ? names.join(', ') : 'it takes none'})`,
					);
				} else if (active && !active.has(credentialType)) {
					nodeProblems.push(`credential type "${credentialType}" is not used with the node's settings (uses: ${[...active].join(', ') || 'none'})`);
				}
				if (!isPlainObject(value) || typeof value.name !== 'string') {
					nodeProblems.push(`credential "${credentialType}" should be { id, name }, got ${show(value)}`);
				}
			}
		}
	}
	report();
	return { description };
}
