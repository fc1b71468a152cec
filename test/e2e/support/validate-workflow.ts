/**
 * Static checks of an n8n workflow JSON file against the node types of a real n8n install.
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
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type {
	INode,
	INodeParameters,
	INodeProperties,
	INodePropertyCollection,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	IVersionedNodeType,
} from 'n8n-workflow';

export interface ValidateWorkflowOptions {
	/** The n8n-nodes-base package of the n8n install, e.g. `<install>/node_modules/n8n-nodes-base`. */
	n8nNodesBaseDir: string;
	/** This package's build output (`dist`), holding `nodes/RoboflowVideo/RoboflowVideo.node.js`. */
	ourDistDir: string;
}

type NodeHelpersModule = typeof import('n8n-workflow').NodeHelpers;
type WorkflowModule = {
	NodeHelpers: NodeHelpersModule;
	safeParseWorkflowStructure?: (workflow: unknown) =>
		| { success: true }
		| { success: false; issues: Array<{ path?: Array<string | number>; message: string; code: string }> };
	formatWorkflowStructureIssuePath?: (path: Array<string | number>) => string;
};

type LoadedType = INodeType | IVersionedNodeType;

interface Environment {
	workflowLib: WorkflowModule;
	/** Node type name -> loaded class instance, or null when not found. */
	cache: Map<string, LoadedType | null>;
	/** n8n-nodes-base: lower-cased file base name -> absolute path of the .node.js file. */
	baseFiles: Map<string, string>;
	baseRequire: NodeRequire;
	ourPackage: string;
	ourNodeFile: string;
	/** Polling parameters n8n adds to polling nodes (n8n-core's nodes-loader constants). */
	pollingParameters: INodeProperties[];
	corsParameters: INodeProperties[];
	scannedAllBaseFiles: boolean;
}

const environments = new Map<string, Environment>();

function environment(opts: ValidateWorkflowOptions): Environment {
	const baseDir = path.resolve(opts.n8nNodesBaseDir);
	const ourDist = path.resolve(opts.ourDistDir);
	const key = `${baseDir}\0${ourDist}`;
	const known = environments.get(key);
	if (known) return known;

	const basePackageJson = path.join(baseDir, 'package.json');
	if (!fs.existsSync(basePackageJson)) throw new Error(`no n8n-nodes-base at ${baseDir} (package.json missing)`);
	// Resolve from n8n-nodes-base itself: the n8n-workflow that its nodes load, i.e. the install's.
	const baseRequire = createRequire(basePackageJson);
	const workflowLib = baseRequire('n8n-workflow') as WorkflowModule;

	const pkg = JSON.parse(fs.readFileSync(basePackageJson, 'utf8')) as { n8n?: { nodes?: string[] } };
	const baseFiles = new Map<string, string>();
	for (const file of pkg.n8n?.nodes ?? []) {
		baseFiles.set(path.basename(file, '.node.js').toLowerCase(), path.join(baseDir, file));
	}

	let pollingParameters: INodeProperties[] = [];
	let corsParameters: INodeProperties[] = [];
	try {
		const constants = baseRequire('n8n-core/dist/nodes-loader/constants.js') as {
			commonPollingParameters?: INodeProperties[];
			commonCORSParameters?: INodeProperties[];
		};
		pollingParameters = constants.commonPollingParameters ?? [];
		corsParameters = constants.commonCORSParameters ?? [];
	} catch {
		/* an install without n8n-core: polling nodes' pollTimes will be reported as unknown */
	}

	let ourPackage = 'n8n-nodes-roboflow-video';
	const ourPackageJson = path.join(ourDist, '..', 'package.json');
	if (fs.existsSync(ourPackageJson)) {
		ourPackage = (JSON.parse(fs.readFileSync(ourPackageJson, 'utf8')) as { name?: string }).name ?? ourPackage;
	}

	const env: Environment = {
		workflowLib,
		cache: new Map(),
		baseFiles,
		baseRequire,
		ourPackage,
		ourNodeFile: path.join(ourDist, 'nodes', 'RoboflowVideo', 'RoboflowVideo.node.js'),
		pollingParameters,
		corsParameters,
		scannedAllBaseFiles: false,
	};
	environments.set(key, env);
	return env;
}

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
function loadNodeType(env: Environment, fullType: string): LoadedType | null {
	if (env.cache.has(fullType)) return env.cache.get(fullType) ?? null;
	const dot = fullType.lastIndexOf('.');
	const packageName = dot > 0 ? fullType.slice(0, dot) : '';
	const localName = fullType.slice(dot + 1);
	let found: LoadedType | null = null;

	if (packageName === env.ourPackage) {
		if (fs.existsSync(env.ourNodeFile)) {
			found = instantiate(env.ourNodeFile).find((t) => nameOf(t) === localName) ?? null;
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

function isVersioned(type: LoadedType): type is IVersionedNodeType {
	return 'nodeVersions' in type && typeof (type as IVersionedNodeType).getNodeType === 'function';
}

function knownVersions(type: LoadedType): number[] {
	if (isVersioned(type)) return Object.keys(type.nodeVersions).map(Number);
	const version = (type as INodeType).description.version;
	return Array.isArray(version) ? version : [version];
}

/** The description n8n uses for this version, with the parameters n8n's loader adds. */
function descriptionFor(env: Environment, type: LoadedType, version: number): INodeTypeDescription {
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

const isExpression = (value: unknown) => typeof value === 'string' && value.startsWith('=');
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: unknown) => {
	const text = JSON.stringify(value);
	return text && text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

interface ParameterContext {
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
function checkValues(ctx: ParameterContext, properties: INodeProperties[], values: Record<string, unknown>, valuesPath: string): void {
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

function checkNode(env: Environment, raw: Record<string, unknown>, problems: string[]): { description?: INodeTypeDescription } {
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

function portCount(ports: INodeTypeDescription['inputs'] | INodeTypeDescription['outputs'], connectionType: string): number | undefined {
	if (!Array.isArray(ports)) return undefined; // an expression: depends on parameters
	return ports.filter((p) => (typeof p === 'string' ? p : p.type) === connectionType).length;
}

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
	const byName = new Map<string, { raw: Record<string, unknown>; description?: INodeTypeDescription }>();
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

	const connections = isPlainObject(workflow.connections) ? workflow.connections : {};
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
