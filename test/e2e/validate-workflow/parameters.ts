/**
 * What n8n's own helpers do not check in a node's parameters: parameters the node does not
 * have, parameters set but not shown with the node's other settings (n8n drops them), option
 * values that are not among a parameter's options, unknown resource locator modes, values of
 * the wrong type; collections and fixed collections are walked all the way down.
 */
import type { INode, INodeParameters, INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

import type { NodeHelpersModule } from './environment';
import { isExpression, isPlainObject, show } from './values';

export interface ParameterContext {
	helpers: NodeHelpersModule;
	node: INode;
	description: INodeTypeDescription;
	/** The node's parameters with defaults filled in, for evaluating displayOptions. */
	root: INodeParameters;
	problems: string[];
}

function joinPath(base: string, name: string): string {
	return base ? `${base}.${name}` : name;
}

/**
 * Walks the parameters the workflow sets (`values`, found at `valuesPath` in the node's
 * parameters) against the properties that may hold them.
 */
export function checkValues(ctx: ParameterContext, properties: INodeProperties[], values: Record<string, unknown>, valuesPath: string): void {
	for (const [name, value] of Object.entries(values)) {
		const where = joinPath(valuesPath, name);
		const candidates = properties.filter((p) => p.name === name);
		if (candidates.length === 0) {
			ctx.problems.push(`parameter "${where}" is not a parameter of this node (version ${ctx.node.typeVersion})`);
			continue;
		}
		const displayed = candidates.filter((p) =>
			ctx.helpers.displayParameterPath(ctx.root, p, valuesPath, ctx.node, ctx.description),
		);
		if (displayed.length === 0) {
			ctx.problems.push(`parameter "${where}" is set but not shown with the node's other settings, so n8n ignores it`);
			continue;
		}
		// Several properties may share a name with different display conditions; one fitting is enough.
		const errors = displayed.map((p) => checkValue(ctx, p, value, where));
		if (errors.every((e) => e.length > 0)) ctx.problems.push(...errors[0]);
	}
}

function checkValue(ctx: ParameterContext, property: INodeProperties, value: unknown, where: string): string[] {
	const problems: string[] = [];
	const sub: ParameterContext = { ...ctx, problems };
	if (isExpression(value) && !['collection', 'fixedCollection'].includes(property.type)) return problems;
	switch (property.type) {
		case 'options': {
			if (property.typeOptions?.loadOptionsMethod || property.typeOptions?.loadOptions) break;
			const allowed = ((property.options ?? []) as INodePropertyOptions[]).map((o) => o.value);
			if (!allowed.some((a) => a === value)) {
				problems.push(`parameter "${where}": ${show(value)} is not one of its options (${allowed.map((a) => show(a)).join(', ')})`);
			}
			break;
		}
		case 'multiOptions': {
			if (!Array.isArray(value)) {
				problems.push(`parameter "${where}": expected a list, got ${show(value)}`);
				break;
			}
			if (property.typeOptions?.loadOptionsMethod || property.typeOptions?.loadOptions) break;
			const allowed = ((property.options ?? []) as INodePropertyOptions[]).map((o) => o.value);
			for (const entry of value) {
				if (!isExpression(entry) && !allowed.some((a) => a === entry)) {
					problems.push(`parameter "${where}": ${show(entry)} is not one of its options (${allowed.map((a) => show(a)).join(', ')})`);
				}
			}
			break;
		}
		case 'resourceLocator': {
			if (typeof value === 'string') break; // plain values are accepted (older workflows)
			if (!isPlainObject(value) || value.__rl !== true) {
				problems.push(`parameter "${where}": expected a resource locator value { __rl: true, mode, value }, got ${show(value)}`);
				break;
			}
			const modes = (property.modes ?? []).map((m) => m.name);
			if (!modes.includes(String(value.mode))) {
				problems.push(`parameter "${where}": mode ${show(value.mode)} is not one of ${modes.join(', ')}`);
			}
			break;
		}
		case 'boolean':
			if (typeof value !== 'boolean') problems.push(`parameter "${where}": expected true or false, got ${show(value)}`);
			break;
		case 'number':
			if (typeof value !== 'number') problems.push(`parameter "${where}": expected a number, got ${show(value)}`);
			break;
		case 'string':
			if (typeof value !== 'string' && typeof value !== 'number') {
				problems.push(`parameter "${where}": expected a string, got ${show(value)}`);
			}
			break;
		case 'collection': {
			if (!isPlainObject(value)) {
				problems.push(`parameter "${where}": expected an object, got ${show(value)}`);
				break;
			}
			checkValues(sub, (property.options ?? []) as INodeProperties[], value, where);
			break;
		}
		case 'fixedCollection': {
			if (!isPlainObject(value)) {
				problems.push(`parameter "${where}": expected an object, got ${show(value)}`);
				break;
			}
			const groups = (property.options ?? []) as INodePropertyCollection[];
			const multiple = property.typeOptions?.multipleValues === true;
			for (const [groupName, groupValue] of Object.entries(value)) {
				const group = groups.find((g) => g.name === groupName);
				const groupPath = `${where}.${groupName}`;
				if (!group) {
					problems.push(`parameter "${groupPath}" is not one of ${groups.map((g) => g.name).join(', ')}`);
					continue;
				}
				if (multiple) {
					if (!Array.isArray(groupValue)) {
						problems.push(`parameter "${groupPath}": expected a list of entries, got ${show(groupValue)}`);
						continue;
					}
					groupValue.forEach((entry, i) => {
						if (!isPlainObject(entry)) problems.push(`parameter "${groupPath}[${i}]": expected an object, got ${show(entry)}`);
						else checkValues(sub, group.values, entry, `${groupPath}[${i}]`);
					});
				} else if (!isPlainObject(groupValue)) {
					problems.push(`parameter "${groupPath}": expected an object, got ${show(groupValue)}`);
				} else {
					checkValues(sub, group.values, groupValue, groupPath);
				}
			}
			break;
		}
		default:
			break;
	}
	return problems;
}
