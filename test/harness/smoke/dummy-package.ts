/**
 * A throw-away community package for the smoke test: one node (marks items) and one
 * credential (tested against a local server), packed with `npm pack` like a published one.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { harnessEnv } from '../install';

export const PKG = 'n8n-nodes-e2e-harness-dummy';

export function buildDummyPackage(dir: string): string {
	fs.mkdirSync(path.join(dir, 'dist', 'nodes', 'E2eDummy'), { recursive: true });
	fs.mkdirSync(path.join(dir, 'dist', 'credentials'), { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: PKG,
				version: '0.0.1',
				license: 'MIT',
				keywords: ['n8n-community-node-package'],
				files: ['dist'],
				n8n: {
					n8nNodesApiVersion: 1,
					credentials: ['dist/credentials/E2eDummyApi.credentials.js'],
					nodes: ['dist/nodes/E2eDummy/E2eDummy.node.js'],
				},
				peerDependencies: { 'n8n-workflow': '*' },
				devDependencies: { typescript: '5.9' },
			},
			null,
			2,
		),
	);
	fs.writeFileSync(
		path.join(dir, 'dist', 'credentials', 'E2eDummyApi.credentials.js'),
		`"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
class E2eDummyApi {
  constructor() {
    this.name = 'e2eDummyApi';
    this.displayName = 'E2E Dummy API';
    this.documentationUrl = 'https://example.invalid/docs';
    this.properties = [
      { displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
      { displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
    ];
    this.authenticate = { type: 'generic', properties: { qs: { api_key: '={{$credentials.apiKey}}' } } };
    this.test = { request: { baseURL: '={{$credentials.baseUrl}}', url: '/check' } };
  }
}
exports.E2eDummyApi = E2eDummyApi;
`,
	);
	fs.writeFileSync(
		path.join(dir, 'dist', 'nodes', 'E2eDummy', 'E2eDummy.node.js'),
		`"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const { NodeConnectionTypes } = require('n8n-workflow');
class E2eDummy {
  constructor() {
    this.description = {
      displayName: 'E2E Dummy',
      name: 'e2eDummy',
      group: ['transform'],
      version: 1,
      description: 'Marks items (harness self-check)',
      defaults: { name: 'E2E Dummy' },
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'e2eDummyApi', required: false }],
      properties: [{ displayName: 'Mark', name: 'mark', type: 'string', default: 'dummy' }],
    };
  }
  async execute() {
    const items = this.getInputData();
    return [items.map((item, i) => ({ json: { ...item.json, mark: this.getNodeParameter('mark', i) }, pairedItem: { item: i } }))];
  }
}
exports.E2eDummy = E2eDummy;
`,
	);
	const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
		cwd: dir,
		encoding: 'utf8',
		env: harnessEnv(),
	});
	return path.join(dir, out.trim().split('\n').pop()!.trim());
}
