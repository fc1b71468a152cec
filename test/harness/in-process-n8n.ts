/**
 * Runs real workflows through n8n-core's WorkflowExecute inside the jest process, without a
 * server: the node under test is the real one, its HTTP goes through n8n's real helpers, and
 * a waiting execution can be saved and resumed the way n8n's resume tracker does it.
 */
import 'reflect-metadata';

import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// n8n-core writes its instance settings under N8N_USER_FOLDER when first loaded.
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'rf-n8n-user-'));
// n8n's logger prints every node error; tests read errors from the run data instead.
process.env.N8N_LOG_LEVEL ??= 'silent';

import { Container } from '@n8n/di';
import { parse, stringify } from 'flatted';
import { BinaryDataConfig, BinaryDataService, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IDataObject,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IWorkflowExecuteAdditionalData,
	IConnections,
} from 'n8n-workflow';
import { ICredentialsHelper, Workflow } from 'n8n-workflow';

import { RoboflowApi } from '../../credentials/RoboflowApi.credentials';
import type { RoboflowVideo as RoboflowVideoNode } from '../../nodes/RoboflowVideo/RoboflowVideo.node';
import { ItemsSource, PassThrough } from './items-source.node';

// Named with its extension: beside the node sits its codex RoboflowVideo.node.json, which
// tsx's resolver would otherwise pick for the bare path.
const { RoboflowVideo } = require('../../nodes/RoboflowVideo/RoboflowVideo.node.ts') as { RoboflowVideo: typeof RoboflowVideoNode };

export const ROBOFLOW_NODE_TYPE = 'n8n-nodes-roboflow-video.roboflowVideo';
export const SOURCE_NODE_TYPE = 'test.itemsSource';
/** Stands in for n8n-nodes-base.noOp, which this harness does not load. */
export const PASS_THROUGH_NODE_TYPE = 'test.passThrough';

const nodeTypeRegistry: Record<string, INodeType> = {
	[ROBOFLOW_NODE_TYPE]: new RoboflowVideo(),
	[SOURCE_NODE_TYPE]: new ItemsSource(),
	[PASS_THROUGH_NODE_TYPE]: new PassThrough(),
	'n8n-nodes-base.noOp': new PassThrough(),
	// In passthrough mode the real trigger hands on the caller's items, which the harness feeds in.
	'n8n-nodes-base.executeWorkflowTrigger': new PassThrough(),
};

const nodeTypes: INodeTypes = {
	getByName: (type) => lookupNodeType(type),
	getByNameAndVersion: (type) => lookupNodeType(type),
	getKnownTypes: () => ({}),
};

function lookupNodeType(type: string): INodeType {
	const found = nodeTypeRegistry[type];
	if (!found) throw new Error(`The in-process harness knows no node type "${type}"`);
	return found;
}

const credentialTypes: Record<string, ICredentialType> = { roboflowApi: new RoboflowApi() };

/**
 * n8n's own test helper does not apply `generic` authentication, so this one does: each
 * `={{$credentials.x}}` in the credential's query/header/body template is filled in.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const auth = credentialTypes[typeName]?.authenticate;
		if (!auth || typeof auth === 'function' || auth.type !== 'generic') return requestOptions;
		const fill = (template: IDataObject | undefined) =>
			Object.fromEntries(
				Object.entries(template ?? {}).map(([key, value]) => [
					key,
					String(value).replace(/^=\{\{\s*\$credentials\.(\w+)\s*\}\}$/, (_, name: string) =>
						String(credentials[name] ?? ''),
					),
				]),
			);
		const { qs, headers, body } = auth.properties as { qs?: IDataObject; headers?: IDataObject; body?: IDataObject };
		return {
			...requestOptions,
			qs: { ...(requestOptions.qs ?? {}), ...fill(qs) },
			headers: { ...(requestOptions.headers ?? {}), ...fill(headers) },
			...(body ? { body: { ...(requestOptions.body as IDataObject), ...fill(body) } } : {}),
		};
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these tests');
	}

	async getDecrypted(_a: unknown, _n: unknown, type: string): Promise<ICredentialDataDecryptedObject> {
		const found = this.data[type];
		if (!found) throw new Error(`No test credentials of type ${type}`);
		return { ...found };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string) {
		return credentialTypes[type]?.properties ?? [];
	}
}

let binaryModeInUse: string | undefined;

/** 'filesystem' stores binaries on disk and streams them; 'default' keeps them inline in memory. */
export async function useBinaryDataMode(mode: 'filesystem' | 'default'): Promise<void> {
	if (binaryModeInUse === mode) return;
	const config = Container.get(BinaryDataConfig);
	config.mode = mode;
	await Container.get(BinaryDataService).init();
	binaryModeInUse = mode;
}

export interface WorkflowSpec {
	nodes: INode[];
	connections: IConnections;
}

export interface RunOptions {
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** A saved waiting execution to resume, as returned by a previous run's `saved`. */
	resumeFrom?: string;
	executionId?: string;
	/** Called once the run is under way, with a function that cancels it as n8n's Stop button does. */
	onStart?: (cancel: () => void) => void;
	/** Items the start node receives (a sub-workflow's caller items); one empty item by default. */
	startItems?: INodeExecutionData[];
}

export interface RunResult {
	run: IRun;
	/** The execution serialised as n8n stores it in its database, for a later resume. */
	saved: string;
	/** Output items of a node's last run, per output. */
	output(nodeName: string): INodeExecutionData[][];
	/** Every run of a node, newest last. */
	runsOf(nodeName: string): number;
	error?: { message: string; description?: string | null; [key: string]: unknown };
}

let executionCounter = 0;

export async function runWorkflow(spec: WorkflowSpec, options: RunOptions = {}): Promise<RunResult> {
	await useBinaryDataMode((binaryModeInUse as 'filesystem' | 'default' | undefined) ?? 'filesystem');
	const workflow = new Workflow({
		id: 'wf-in-process',
		name: 'in-process test',
		nodes: spec.nodes,
		connections: spec.connections,
		nodeTypes,
		active: false,
		settings: { executionOrder: 'v1' },
	});
	const executionId = options.executionId ?? `exec-${++executionCounter}`;
	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: 'wf-in-process',
		name: 'in-process test',
		nodes: spec.nodes,
		connections: spec.connections,
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as never);
	let resolveFinished: (run: IRun) => void = () => {};
	const finished = new Promise<IRun>((resolve) => (resolveFinished = resolve));
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => resolveFinished(fullRunData));

	const additionalData = {
		hooks,
		executionId,
		credentialsHelper: new TestCredentialsHelper(options.credentials ?? {}),
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		webhookWaitingBaseUrl: 'http://127.0.0.1:1/webhook-waiting',
		formWaitingBaseUrl: 'http://127.0.0.1:1/form-waiting',
		restApiUrl: 'http://127.0.0.1:1/rest',
		instanceBaseUrl: 'http://127.0.0.1:1/',
		variables: {},
		currentNodeExecutionIndex: 0,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are exercised against a real n8n (see test/e2e)');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	let runExecutionData: IRunExecutionData;
	if (options.resumeFrom) {
		runExecutionData = parse(options.resumeFrom) as IRunExecutionData;
	} else {
		const start = spec.nodes.find((n) => n.type === SOURCE_NODE_TYPE) ?? spec.nodes[0];
		runExecutionData = {
			startData: {},
			resultData: { runData: {} },
			executionData: {
				contextData: {},
				metadata: {},
				nodeExecutionStack: [{ node: start, data: { main: [options.startItems ?? [{ json: {} }]] }, source: null }],
				waitingExecution: {},
				waitingExecutionSource: {},
			},
		} as unknown as IRunExecutionData;
	}

	const execute = new WorkflowExecute(additionalData, 'manual', runExecutionData);
	const pending = execute.processRunExecutionData(workflow);
	options.onStart?.(() => pending.cancel());
	let returned: IRun | undefined;
	try {
		returned = await pending;
	} catch (error) {
		// A cancelled run rejects here; its final state still arrives through the hook.
		if (!pending.isCanceled) throw error;
	}
	const run = returned ?? (await finished);
	const resultData = run.data.resultData;
	return {
		run,
		saved: stringify(run.data),
		output: (nodeName) => {
			const runs = resultData.runData[nodeName];
			const last = runs?.[runs.length - 1];
			return (last?.data?.main ?? []).map((items) => items ?? []);
		},
		runsOf: (nodeName) => resultData.runData[nodeName]?.length ?? 0,
		error: resultData.error as RunResult['error'],
	};
}

/** A source → Roboflow Video workflow, the shape most tests need. */
export function sourceThenRoboflow(
	items: IDataObject[],
	parameters: IDataObject,
	extra: { binaryFiles?: IDataObject[]; continueOnFail?: boolean } = {},
): WorkflowSpec {
	return {
		nodes: [
			{
				id: 'source',
				name: 'Source',
				type: SOURCE_NODE_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: JSON.stringify(items), binaryFiles: JSON.stringify(extra.binaryFiles ?? []) },
			},
			{
				id: 'roboflow',
				name: 'Roboflow',
				type: ROBOFLOW_NODE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters: parameters as INode['parameters'],
				credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } },
				...(extra.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
		],
		connections: { Source: { main: [[{ node: 'Roboflow', type: 'main', index: 0 }]] } },
	};
}
