import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { loadOutputSchema, resolveOutputSchemaPath } from 'n8n-core';
import type { IDataObject, INode } from 'n8n-workflow';

import { buildInlineWaitWorkflow, RESULT_NODE_NAME } from '../../nodes/RoboflowVideo/actions/waitForResult/inlineWorkflow';
import { OPERATIONS, type Operation } from '../../nodes/RoboflowVideo/actions/node.type';
import type { RoboflowEmulator } from '../emulator/server';
import { ROBOFLOW_NODE_TYPE, runWorkflow, type RunResult } from '../harness/in-process-n8n';
import { ALL_KINDS, chain, credentialsFor, emulatorForTests, jsonOf, model, SAMPLE_MP4, startJobDirectly, uploadSample, waitSettings } from './helpers';

/**
 * The output schemas n8n's editor shows in the next node's Schema view before any run
 * (nodes/RoboflowVideo/__schema__/v1.0.0/<operation>.json), checked against what the node
 * really outputs, run through n8n-core against the emulator: every output must fit its schema,
 * and every field a schema lists must turn up in some real output (no invented fields).
 */

const NODE_DIR = join(__dirname, '..', '..', 'nodes', 'RoboflowVideo');

type Schema = {
	type?: string | string[];
	properties?: Record<string, Schema>;
	required?: string[];
	items?: Schema;
	additionalProperties?: boolean | Schema;
	enum?: unknown[];
};

/** The keywords the checker below understands; a schema using any other would be checked only in part. */
const KNOWN_KEYWORDS = new Set(['$schema', 'title', 'description', 'type', 'properties', 'required', 'items', 'additionalProperties', 'enum']);

function typeOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value;
}

function hasType(value: unknown, type: string): boolean {
	if (type === 'integer') return Number.isInteger(value);
	if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
	return typeOf(value) === type;
}

/**
 * A JSON Schema checker for the subset these schemas use (type, properties, required, items,
 * additionalProperties, enum). Returns every problem, each with its path; `seen` collects the
 * schema paths the value filled (`*` for a map's entries, `[]` for a list's items).
 */
function check(schema: Schema, value: unknown, path = '$', seen?: Set<string>, schemaPath = ''): string[] {
	const problems: string[] = [];
	seen?.add(schemaPath);
	if (schema.type !== undefined) {
		const types = Array.isArray(schema.type) ? schema.type : [schema.type];
		if (!types.some((t) => hasType(value, t))) return [`${path}: is ${typeOf(value)} ${JSON.stringify(value)?.slice(0, 60)}, not ${types.join(' or ')}`];
	}
	if (schema.enum && !schema.enum.some((e) => e === value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
	if (typeOf(value) === 'object') {
		const object = value as Record<string, unknown>;
		for (const key of schema.required ?? []) {
			if (!(key in object)) problems.push(`${path}: lacks required "${key}"`);
		}
		for (const [key, entry] of Object.entries(object)) {
			const property = schema.properties?.[key];
			if (property) problems.push(...check(property, entry, `${path}.${key}`, seen, `${schemaPath}.${key}`));
			else if (schema.additionalProperties === false) problems.push(`${path}: has "${key}", which the schema does not list`);
			else if (typeof schema.additionalProperties === 'object') {
				problems.push(...check(schema.additionalProperties, entry, `${path}.${key}`, seen, `${schemaPath}.*`));
			}
		}
	}
	if (Array.isArray(value) && schema.items) {
		value.forEach((entry, i) => problems.push(...check(schema.items!, entry, `${path}[${i}]`, seen, `${schemaPath}[]`)));
	}
	return problems;
}

/** Every schema path a schema describes, in the notation of check()'s `seen`. */
function schemaPaths(schema: Schema, schemaPath = ''): string[] {
	const paths = [schemaPath];
	for (const [key, property] of Object.entries(schema.properties ?? {})) paths.push(...schemaPaths(property, `${schemaPath}.${key}`));
	if (typeof schema.additionalProperties === 'object') paths.push(...schemaPaths(schema.additionalProperties, `${schemaPath}.*`));
	if (schema.items) paths.push(...schemaPaths(schema.items, `${schemaPath}[]`));
	return paths;
}

function unknownKeywords(schema: Schema, path = '$'): string[] {
	const found = Object.keys(schema)
		.filter((k) => !KNOWN_KEYWORDS.has(k))
		.map((k) => `${path}: ${k}`);
	for (const [key, property] of Object.entries(schema.properties ?? {})) found.push(...unknownKeywords(property, `${path}.${key}`));
	if (typeof schema.additionalProperties === 'object') found.push(...unknownKeywords(schema.additionalProperties, `${path}.*`));
	if (schema.items) found.push(...unknownKeywords(schema.items, `${path}[]`));
	return found;
}

/** Where n8n 2.41.1 looks for an operation's schema (n8n-core's own resolver, as n8n's /schemas route calls it). */
const schemaFile = (operation: Operation) => resolveOutputSchemaPath({ nodeDir: NODE_DIR, version: 1, operation });
const schemaOf = (operation: Operation) => JSON.parse(readFileSync(schemaFile(operation)!, 'utf8')) as Schema;

describe('output schemas: where n8n looks for them, and what its editor accepts', () => {
	it.each(OPERATIONS)('%s: n8n resolves the schema to a file in __schema__/v1.0.0', (operation) => {
		const file = schemaFile(operation);
		expect(file).toBe(join(NODE_DIR, '__schema__', 'v1.0.0', `${operation}.json`));
		expect(existsSync(file!)).toBe(true);
		// The lookup n8n uses when it describes a workflow's data (with fallback to other versions).
		expect(loadOutputSchema({ nodeDir: NODE_DIR, version: 1, operation, versionFallback: true })).toEqual(schemaOf(operation));
	});

	it('has a schema for every operation and no schema for anything else', () => {
		expect(readdirSync(join(NODE_DIR, '__schema__'))).toEqual(['v1.0.0']);
		expect(readdirSync(join(NODE_DIR, '__schema__', 'v1.0.0')).sort()).toEqual(OPERATIONS.map((o) => `${o}.json`).sort());
	});

	it.each(OPERATIONS)('%s: is an object schema with properties (the editor refuses anything else), in the keywords checked here', (operation) => {
		const schema = schemaOf(operation);
		// The editor's own test (schemaPreview store): "type" in schema, "properties" in schema, properties not empty.
		expect(schema.type).toBe('object');
		expect(Object.keys(schema.properties ?? {}).length).toBeGreaterThan(0);
		expect(unknownKeywords(schema)).toEqual([]);
	});

	it('the checker finds what it should', () => {
		const schema: Schema = {
			type: 'object',
			properties: { a: { type: 'integer' }, b: { type: ['string', 'null'] }, m: { type: 'object', additionalProperties: { type: 'array', items: { type: 'number' } } } },
			required: ['a'],
			additionalProperties: false,
		};
		expect(check(schema, { a: 1, b: null, m: { x: [1.5] } })).toEqual([]);
		expect(check(schema, { a: 1.5, b: 2, m: { x: ['1'] }, c: true })).toEqual([
			'$.a: is number 1.5, not integer',
			'$.b: is number 2, not string or null',
			'$.m.x[0]: is string "1", not number',
			'$: has "c", which the schema does not list',
		]);
		expect(check(schema, {})).toEqual(['$: lacks required "a"']);
		expect(check({ type: 'string', enum: ['x'] }, 'y')).toEqual(['$: "y" is not one of ["x"]']);
	});
});

/** A counting line across the middle and a zone over most of the frame, as fractions of the frame. */
const LINE_AND_ZONE = { countingLine: '0,0.5,1,0.5', zone: '0.1,0.1 0.9,0.1 0.9,0.9 0.1,0.9' };

describe('output schemas against real outputs (n8n-core and the emulator)', () => {
	let emulator: RoboflowEmulator;
	/** Per operation, the schema paths real outputs filled. */
	const seen = new Map<Operation, Set<string>>(OPERATIONS.map((o) => [o, new Set<string>()]));
	/** Per operation, how many real items were checked. */
	const checked = new Map<Operation, number>(OPERATIONS.map((o) => [o, 0]));

	beforeAll(async () => {
		emulator = await emulatorForTests({ pollWindowMs: 0 });
	});
	afterAll(async () => await emulator.close());
	beforeEach(() => emulator.reset());

	function expectFits(operation: Operation, items: IDataObject[]): void {
		expect(items.length).toBeGreaterThan(0);
		const schema = schemaOf(operation);
		for (const json of items) expect(check(schema, json, '$', seen.get(operation))).toEqual([]);
		checked.set(operation, checked.get(operation)! + items.length);
	}

	const ok = (result: RunResult) => {
		expect(result.error).toBeUndefined();
		return result;
	};

	async function completedJob(models = ALL_KINDS): Promise<string> {
		emulator.configure({ processing: { fixedSeconds: 0 } });
		return await startJobDirectly(emulator, await uploadSample(emulator), models, 6);
	}

	const getStatus = async (jobId: string, parameters: IDataObject = {}) =>
		ok(await runWorkflow(chain([{}], [{ name: 'Status', parameters: { operation: 'getStatus', jobId, ...parameters } }]), { credentials: credentialsFor(emulator) }));

	it('Upload Video, Start Inference and Get Status (a running job), chained as in a workflow', async () => {
		emulator.configure({ processing: { fixedSeconds: 600 } });
		const result = ok(
			await runWorkflow(
				chain(
					[{}],
					[
						{ name: 'Upload', parameters: { operation: 'uploadVideo', binaryPropertyName: 'data' } },
						{
							name: 'Start',
							parameters: {
								operation: 'startInference',
								videoUrl: '={{ $json.input_url }}',
								inferFps: 6,
								models: { model: [model('rock-paper-scissors-presentation/4', 'object-detection', { confidence: 0.5 }), model('pothole-segmentation/2', 'instance-segmentation')] },
								options: { extraModels: ['clip'] },
							},
						},
						{ name: 'Status', parameters: { operation: 'getStatus', jobId: '={{ $json.job_id }}' } },
					],
					[{ item: 0, field: 'data', path: SAMPLE_MP4, fileName: 'sample.mp4', mimeType: 'video/mp4' }],
				),
				{ credentials: credentialsFor(emulator) },
			),
		);
		expectFits('uploadVideo', jsonOf(result, 'Upload'));
		expectFits('startInference', jsonOf(result, 'Start'));
		const status = jsonOf(result, 'Status');
		expect(status[0]).toMatchObject({ state: 'processing' });
		expectFits('getStatus', status);
		// A job past its preparation reports progress.
		const [later] = jsonOf(await getStatus(String(status[0].job_id)), 'Status');
		expectFits('getStatus', [later]);
	});

	it('Get Status of a completed job and of a failed one', async () => {
		const done = jsonOf(await getStatus(await completedJob([ALL_KINDS[0]])), 'Status');
		expect(done[0]).toMatchObject({ state: 'completed', output_url: expect.any(String) });
		expectFits('getStatus', done);

		const unknownModel = { model_id: 'no-such-model', model_version: '1', inference_type: 'object-detection' };
		const failed = jsonOf(await getStatus(await completedJob([unknownModel])), 'Status');
		expect(failed[0]).toMatchObject({ state: 'failed', error: expect.any(String) });
		expectFits('getStatus', failed);
	});

	it('Wait For Result, Park Execution (the default): the Summary of every model kind, from its sub-workflow', async () => {
		const jobId = await completedJob();
		const parent: INode = {
			id: 'parent',
			name: 'Wait For Result',
			type: ROBOFLOW_NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: { operation: 'waitForResult', jobId: '={{ $json.job_id }}' },
			credentials: { roboflowApi: { id: 'cred-1', name: 'Roboflow test' } },
		};
		const sub = buildInlineWaitWorkflow(parent, waitSettings({ output: 'summary' }));
		const result = ok(
			await runWorkflow({ nodes: sub.nodes, connections: sub.connections }, { credentials: credentialsFor(emulator), startItems: [{ json: { job_id: jobId }, pairedItem: { item: 0 } }] }),
		);
		expect(result.run.waitTill).toBeUndefined();
		const summary = jsonOf(result, RESULT_NODE_NAME);
		expect(Object.keys(summary[0].models as IDataObject).sort()).toEqual(ALL_KINDS.map((m) => m.model_id).sort());
		expectFits('waitForResult', summary);
	});

	it('Wait For Result, Keep Execution Running, with its default Output (Summary), and with a counting line, a zone, filters, and tracking off', async () => {
		for (const resultOptions of [{}, { ...LINE_AND_ZONE, minConfidence: 0.3 }, { classes: 'Rock, Paper' }, { trackObjects: false }]) {
			const jobId = await completedJob();
			const result = ok(
				await runWorkflow(chain([{}], [{ name: 'Wait', parameters: { operation: 'waitForResult', waitMode: 'keepRunning', jobId, resultOptions } }]), {
					credentials: credentialsFor(emulator),
				}),
			);
			expectFits('waitForResult', jsonOf(result, 'Wait'));
		}
	});

	it('Get Status with Download Results gives the same Summary item, so waitForResult.json describes it too', async () => {
		const jobId = await completedJob();
		const [viaStatus] = jsonOf(await getStatus(jobId, { downloadResults: true, resultOptions: LINE_AND_ZONE }), 'Status');
		expectFits('waitForResult', [viaStatus]);
		const [viaWait] = jsonOf(
			ok(
				await runWorkflow(chain([{}], [{ name: 'Wait', parameters: { operation: 'waitForResult', waitMode: 'keepRunning', jobId, resultOptions: LINE_AND_ZONE } }]), {
					credentials: credentialsFor(emulator),
				}),
			),
			'Wait',
		);
		expect(viaStatus).toEqual(viaWait);
	});

	it('every field a schema lists turned up in some real output above (a schema invents nothing)', () => {
		for (const operation of OPERATIONS) {
			expect(checked.get(operation)).toBeGreaterThan(0);
			const missing = schemaPaths(schemaOf(operation)).filter((p) => !seen.get(operation)!.has(p));
			expect({ operation, missing }).toEqual({ operation, missing: [] });
		}
	});
});
