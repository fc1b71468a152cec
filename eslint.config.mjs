// The node and credential code and package.json get what `n8n-node lint` (@n8n/node-cli) gives a
// package made from n8n's starter, with the differences said below: its `config` (ESLint's and typescript-eslint's
// recommended rules, import-x, no-console, @n8n/eslint-plugin-community-nodes' recommended rules
// with n8n Cloud's restrictions, and the classic eslint-plugin-n8n-nodes-base rule sets for
// package.json, credentials and nodes). `npm run lint` runs `n8n-node lint`, which lints with this file.
// The rest of the repository (tests, emulator, scripts) is type-checked by tsc and gets the
// layering rules below, not the community-package rules.
import { config as nodeCliConfig } from '@n8n/node-cli/eslint';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const NODE_AND_CREDENTIAL_CODE = ['nodes/**/*.ts', 'credentials/**/*.ts'];

/**
 * `n8n-node lint` fails on errors only; its warnings (import-x's) are findings too, and lint must
 * stay at 0 of them, so they are errors here.
 */
const warningsAsErrors = (rules) =>
	Object.fromEntries(Object.entries(rules).map(([name, setting]) => {
		const [severity, ...options] = Array.isArray(setting) ? setting : [setting];
		const raised = severity === 'warn' || severity === 1 ? 'error' : severity;
		return [name, Array.isArray(setting) ? [raised, ...options] : raised];
	}));

/**
 * node-cli's config unchanged but in three ways: its blocks for every `**\/*.ts` apply to the node
 * and credential code only, and the classic rules run with this project's pinned
 * eslint-plugin-n8n-nodes-base (node-cli bundles 1.16.7; both have the same rule sets, by name
 * and severity, for community, credentials and nodes); and its warnings are errors (above).
 */
const communityPackageRules = nodeCliConfig.map((block) => ({
	...block,
	...(block.files?.includes('**/*.ts') ? { files: NODE_AND_CREDENTIAL_CODE } : {}),
	...(block.plugins?.['n8n-nodes-base'] ? { plugins: { ...block.plugins, 'n8n-nodes-base': n8nNodesBase } } : {}),
	...(block.rules ? { rules: warningsAsErrors(block.rules) } : {}),
}));

/**
 * node-cli turns two classic rules off that this project keeps on, as its own lint always had
 * them: a secret credential field is a password field, and a Limit parameter has no `maxValue`.
 */
const stricterThanNodeCli = [
	{ files: ['credentials/**/*.ts'], rules: { 'n8n-nodes-base/cred-class-field-type-options-password-missing': 'error' } },
	{ files: ['nodes/**/*.ts'], rules: { 'n8n-nodes-base/node-param-type-options-max-value-present': 'error' } },
];

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
	...communityPackageRules,
	...stricterThanNodeCli,
	...layering,
	scriptsUseTheSharedHarness,
];
