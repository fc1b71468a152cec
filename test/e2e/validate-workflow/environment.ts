/**
 * Where the checks get n8n from: the install that is passed in (its n8n-nodes-base and the
 * n8n-workflow next to it), so they use that n8n version's own node descriptions and helpers;
 * nothing here is a project dependency. Loaded once per install and build.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type { INodeProperties, INodeType, IVersionedNodeType } from 'n8n-workflow';

export interface ValidateWorkflowOptions {
	/** The n8n-nodes-base package of the n8n install, e.g. `<install>/node_modules/n8n-nodes-base`. */
	n8nNodesBaseDir: string;
	/** This package's build output (`dist`), holding `nodes/RoboflowVideo/RoboflowVideo.node.js`. */
	ourDistDir: string;
}

export type NodeHelpersModule = typeof import('n8n-workflow').NodeHelpers;
export type WorkflowModule = {
	NodeHelpers: NodeHelpersModule;
	safeParseWorkflowStructure?: (workflow: unknown) =>
		| { success: true }
		| { success: false; issues: Array<{ path?: Array<string | number>; message: string; code: string }> };
	formatWorkflowStructureIssuePath?: (path: Array<string | number>) => string;
};

export type LoadedType = INodeType | IVersionedNodeType;

export interface Environment {
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

export function environment(opts: ValidateWorkflowOptions): Environment {
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
