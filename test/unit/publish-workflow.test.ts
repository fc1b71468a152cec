import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

import { PUBLISH_WORKFLOW, problemsInPublishWorkflow } from '../../scripts/check-publish-workflow';

/** The workflow as committed; each case below changes one thing in its text. */
const committed = readFileSync(resolve(__dirname, '../..', PUBLISH_WORKFLOW), 'utf8');

function changed(from: string, to: string): string {
	if (!committed.includes(from)) throw new Error(`the test's anchor is not in ${PUBLISH_WORKFLOW} any more: ${from}`);
	return committed.replace(from, to);
}

describe('the publish workflow check (scripts/check-publish-workflow.ts)', () => {
	it('passes the committed workflow', () => {
		expect(problemsInPublishWorkflow(parse(committed))).toEqual([]);
	});

	const broken: Array<[string, string, string]> = [
		['--provenance removed', changed('npm publish --provenance --access public', 'npm publish --access public'), 'must have --provenance'],
		['--provenance only inside another word', changed('npm publish --provenance --access public', 'npm publish --provenance-file=x --access public'), 'must have --provenance'],
		['--access public removed', changed('npm publish --provenance --access public', 'npm publish --provenance'), 'must have --access public'],
		['id-token not granted', changed('      id-token: write', '      id-token: read'), 'must grant `id-token: write`'],
		['contents writable', changed('      id-token: write\n      contents: read', '      id-token: write\n      contents: write'), 'must grant `contents: read` only'],
		['job permissions removed', changed('    permissions:\n      # The OIDC token', '    env:\n      # The OIDC token').replace('permissions:\n  contents: read\n', ''), 'must set `permissions:`'],
		['tests removed', changed('      - run: npm test\n', ''), 'must run `npm test` before `npm publish`'],
		['lint removed', changed('      - run: npm run lint\n', ''), 'must run `npm run lint` before'],
		['tests after the publish', changed('      - run: npm test\n', '') + '\n      - run: npm test\n', '`npm test` must run before `npm publish`, not after it'],
		['build skipped by a condition', changed('      - run: npm run build\n', "      - run: npm run build\n        if: ${{ false }}\n"), '`npm run build` must not have an `if:`'],
		['tests allowed to fail', changed('      - run: npm test\n', '      - run: npm test\n        continue-on-error: true\n'), '`npm test` must not have continue-on-error'],
		['Node 20', changed("node-version: '24'", "node-version: '20'"), "must set up Node 24"],
		['publishes on every push to main', changed('on:\n  release:\n    types: [published]', 'on:\n  push:\n    branches: [main]'), 'must be a published release'],
		['publishes on pull requests too', changed('on:\n  release:\n    types: [published]', 'on:\n  release:\n    types: [published]\n  pull_request:'), 'must not publish on pull_request'],
		['a second job publishes', committed + '\n  again:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n', 'exactly one job must run `npm publish` (found 2)'],
		['no publish step', changed('        run: npm publish --provenance --access public', '        run: echo nothing'), 'exactly one job must run `npm publish` (found 0)'],
	];

	it.each(broken)('refuses the workflow with %s', (_name, text, expected) => {
		const problems = problemsInPublishWorkflow(parse(text));
		expect(problems.join('\n')).toContain(expected);
	});

	it('refuses what is not a workflow', () => {
		expect(problemsInPublishWorkflow(parse('just a string'))).toEqual(['the file is not a YAML mapping of a GitHub Actions workflow']);
	});
});
