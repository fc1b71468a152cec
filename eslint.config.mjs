// Both rule sets n8n applies to community packages: n8n's current one and the classic
// eslint-plugin-n8n-nodes-base (community package.json, credentials, nodes).
import communityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import * as jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

const classic = (name) => n8nNodesBase.configs[name].rules;

/** The node's layers (ARCHITECTURE.md): each folder may import only the layers below it. */
const layer = (name) => [`**/${name}`, `**/${name}/**`];
const NODE_FILE = '**/*.node';
const importsOnlyBelow = (files, forbidden, why) => ({
	files,
	rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbidden.flatMap((f) => (f === NODE_FILE ? [f] : layer(f))), message: why }] }] },
});
const layering = [
	importsOnlyBelow(['nodes/**/transport/**/*.ts'], ['actions', 'methods', 'helpers', 'results', NODE_FILE], 'transport/ knows nothing of the node: it sends requests and shapes their errors.'),
	importsOnlyBelow(['nodes/**/helpers/**/*.ts', 'nodes/**/results/**/*.ts'], ['transport', 'actions', 'methods', NODE_FILE], 'helpers/ and results/ are pure: no I/O, so no transport, and nothing above them.'),
	importsOnlyBelow(['nodes/**/actions/**/*.ts'], ['methods', NODE_FILE], 'actions/ use transport/, helpers/ and results/, never the node file or methods/.'),
	importsOnlyBelow(['nodes/**/methods/**/*.ts'], ['actions', NODE_FILE], 'methods/ (the editor\'s lists) use transport/ and helpers/ only.'),
	importsOnlyBelow(['credentials/**/*.ts'], ['nodes'], 'The credential stands alone.'),
];

/**
 * scripts/ take what they share with the tests from one place, the shared harness test/harness/
 * (ARCHITECTURE.md): its index.ts, queue/index.ts (the queue-mode stack), or in-process-n8n.ts,
 * which index.ts leaves out on purpose.
 */
const scriptsUseTheSharedHarness = {
	files: ['scripts/**/*.ts'],
	rules: {
		'no-restricted-imports': ['error', {
			patterns: [{
				group: [
					...['test/e2e', 'test/emulator', 'test/node', 'test/unit'].flatMap(layer),
					'**/test/harness/**',
					'!**/test/harness/in-process-n8n',
					'!**/test/harness/queue',
				],
				message: 'scripts/ import from test/ only through the shared harness: test/harness (its index.ts), test/harness/queue (its index.ts), or test/harness/in-process-n8n.',
			}],
		}],
	},
};

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
	},
	{
		files: ['credentials/**/*.ts', 'nodes/**/*.ts'],
		...communityNodes.configs.recommended,
	},
	{
		files: ['package.json'],
		languageOptions: { parser: jsoncParser },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: classic('community'),
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...classic('credentials'),
			// The rule wants a documentation URL without a path; Roboflow's docs need one.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...classic('nodes'),
			// These classic rules predate NodeConnectionTypes, which n8n's current rule set requires.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	...layering,
	scriptsUseTheSharedHarness,
];
