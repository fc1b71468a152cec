/**
 * Node types by full name (`package.localName`), loaded on first use from n8n-nodes-base or
 * from our build, and the description n8n uses for one version of a type.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { INodeProperties, INodeType, INodeTypeDescription, IVersionedNodeType } from 'n8n-workflow';

import type { Environment, LoadedType } from './environment';

function instantiate(file: string): LoadedType[] {
	const exported = require(file) as Record<string, unknown>;
	const instances: LoadedType[] = [];
	for (const value of Object.values(exported)) {
		if (typeof value !== 'function') continue;
		try {
			const instance = new (value as new () => LoadedType)();
			if (instance && typeof instance === 'object' && 'description' in instance) instances.push(instance);
		} catch {
			/* not a node class */
		}
	}
	return instances;
}

function nameOf(type: LoadedType): string | undefined {
	return (type.description as { name?: string } | undefined)?.name;
}

/** The node class for a full type name (`package.localName`), loaded on first use. */
export function loadNodeType(env: Environment, fullType: string): LoadedType | null {
	if (env.cache.has(fullType)) return env.cache.get(fullType) ?? null;
	const dot = fullType.lastIndexOf('.');
	const packageName = dot > 0 ? fullType.slice(0, dot) : '';
	const localName = fullType.slice(dot + 1);
	let found: LoadedType | null = null;

	if (packageName === env.ourPackage) {
		if (fs.existsSync(env.ourNodeFile)) {
			found = instantiate(env.ourNodeFile).find((t) => nameOf(t) === localName) ?? null;
			// "<name>Tool" is the AI-agent tool variant n8n makes of a node with usableAsTool, with its own code.
			if (!found && localName.endsWith('Tool')) found = toolVariant(env, localName.slice(0, -'Tool'.length));
		}
	} else if (packageName === '@n8n/n8n-nodes-langchain') {
		const dir = path.join(n8nPackagesDir(env), '@n8n', 'n8n-nodes-langchain');
		const pkg = require(path.join(dir, 'package.json')) as { n8n: { nodes: string[] } };
		for (const file of pkg.n8n.nodes) {
			if (path.basename(file, '.node.js').toLowerCase() !== localName.toLowerCase()) continue;
			found = instantiate(path.join(dir, file)).find((t) => nameOf(t) === localName) ?? null;
		}
	} else if (packageName === 'n8n-nodes-base') {
		const guess = env.baseFiles.get(localName.toLowerCase());
		if (guess) found = instantiate(guess).find((t) => nameOf(t) === localName) ?? null;
		if (!found && !env.scannedAllBaseFiles) {
			// File names usually match the type name; when they do not, load them all once.
			env.scannedAllBaseFiles = true;
			for (const file of env.baseFiles.values()) {
				try {
					for (const t of instantiate(file)) {
						const name = nameOf(t);
						if (name && !env.cache.has(`n8n-nodes-base.${name}`)) env.cache.set(`n8n-nodes-base.${name}`, t);
					}
				} catch {
					/* a file that does not load on its own */
				}
			}
			found = env.cache.get(fullType) ?? null;
		}
	}
	env.cache.set(fullType, found);
	return found;
}

/** The node_modules folder n8n-nodes-base was loaded from (n8n's own packages sit beside it). */
function n8nPackagesDir(env: Environment): string {
	return path.join(env.baseRequire.resolve('n8n-nodes-base/package.json'), '..', '..');
}

/** Our node's tool variant, made by n8n's own convertNodeToAiTool as n8n does at load. */
function toolVariant(env: Environment, baseName: string): LoadedType | null {
	const base = instantiate(env.ourNodeFile).find((t) => nameOf(t) === baseName) as INodeType | undefined;
	if (!base?.description.usableAsTool) return null;
	const { convertNodeToAiTool } = require(path.join(n8nPackagesDir(env), 'n8n', 'dist', 'tool-generation', 'ai-tools.js')) as {
		convertNodeToAiTool: (type: { description: INodeTypeDescription }) => { description: INodeTypeDescription };
	};
	const { description } = convertNodeToAiTool({ description: JSON.parse(JSON.stringify(base.description)) as INodeTypeDescription });
	return { description } as INodeType;
}

function isVersioned(type: LoadedType): type is IVersionedNodeType {
	return 'nodeVersions' in type && typeof (type as IVersionedNodeType).getNodeType === 'function';
}

export function knownVersions(type: LoadedType): number[] {
	if (isVersioned(type)) return Object.keys(type.nodeVersions).map(Number);
	const version = (type as INodeType).description.version;
	return Array.isArray(version) ? version : [version];
}

/** The description n8n uses for this version, with the parameters n8n's loader adds. */
export function descriptionFor(env: Environment, type: LoadedType, version: number): INodeTypeDescription {
	const versionType = isVersioned(type) ? type.getNodeType(version) : (type as INodeType);
	const description = { ...versionType.description };
	let properties = [...description.properties];
	if (description.polling) properties = [...env.pollingParameters, ...properties];
	if (versionType.webhook && description.supportsCORS) {
		const index = properties.findIndex((p) => p.name === 'options');
		if (index >= 0) {
			properties[index] = {
				...properties[index],
				options: [...env.corsParameters, ...((properties[index].options ?? []) as INodeProperties[])],
			};
		} else properties = [...properties, ...env.corsParameters];
	}
	description.properties = properties;
	return description;
}
