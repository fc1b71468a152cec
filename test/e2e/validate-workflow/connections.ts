/**
 * Connections: from or to nodes that do not exist, into nodes without such an input (e.g.
 * triggers), or from outputs and to inputs the node does not have.
 */
import type { INodeTypeDescription } from 'n8n-workflow';

import { isPlainObject } from './values';

/** The workflow's nodes by name, with the description of their type when it is known. */
export type NodesByName = Map<string, { raw: Record<string, unknown>; description?: INodeTypeDescription }>;

function portCount(ports: INodeTypeDescription['inputs'] | INodeTypeDescription['outputs'], connectionType: string): number | undefined {
	if (!Array.isArray(ports)) return undefined; // an expression: depends on parameters
	return ports.filter((p) => (typeof p === 'string' ? p : p.type) === connectionType).length;
}

export function checkConnections(connections: Record<string, unknown>, byName: NodesByName, problems: string[]): void {
	for (const [source, byType] of Object.entries(connections)) {
		const from = byName.get(source);
		if (!from) problems.push(`connections: source node "${source}" does not exist`);
		if (!isPlainObject(byType)) continue;
		for (const [connectionType, outputs] of Object.entries(byType)) {
			if (!Array.isArray(outputs)) continue;
			const outputCount = from?.description ? portCount(from.description.outputs, connectionType) : undefined;
			if (outputCount !== undefined && outputs.length > outputCount && outputs.slice(outputCount).some((o) => Array.isArray(o) && o.length)) {
				problems.push(`connections: "${source}" has ${outputCount} ${connectionType} output(s) but connects from output ${outputs.length - 1}`);
			}
			for (const targets of outputs) {
				if (!Array.isArray(targets)) continue;
				for (const target of targets) {
					if (!isPlainObject(target)) continue;
					const to = byName.get(String(target.node));
					if (!to) {
						problems.push(`connections: "${source}" connects to "${String(target.node)}", which does not exist`);
						continue;
					}
					const inputCount = to.description ? portCount(to.description.inputs, String(target.type ?? connectionType)) : undefined;
					if (inputCount === 0) {
						problems.push(`connections: "${source}" connects to "${String(target.node)}", which has no ${String(target.type)} input`);
					} else if (inputCount !== undefined && Number(target.index ?? 0) >= inputCount) {
						problems.push(`connections: "${source}" connects to input ${String(target.index)} of "${String(target.node)}", which has ${inputCount}`);
					}
				}
			}
		}
	}
}
