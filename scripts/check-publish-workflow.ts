/**
 * Part of `npm run lint`: the publish workflow (.github/workflows/publish.yml) cannot run here, so
 * this reads it and refuses it unless it still does what n8n's verification needs: it publishes
 * from GitHub Actions with an npm provenance statement (`--provenance`, and the `id-token: write`
 * permission that lets the job sign it), on Node 24, and only after npm ci, lint, the tests and
 * the build have passed in the same job. Prints each problem and exits 1.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export const PUBLISH_WORKFLOW = '.github/workflows/publish.yml';

/** What must run, in the publishing job, before `npm publish`. */
export const REQUIRED_BEFORE_PUBLISH: ReadonlyArray<{ name: string; command: RegExp }> = [
	{ name: 'npm ci', command: /^npm ci\b/ },
	{ name: 'npm run lint', command: /^npm run lint$/ },
	{ name: 'npm test', command: /^npm (run )?test$/ },
	{ name: 'npm run build', command: /^npm run build$/ },
];

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The shell lines of a step's `run`, without comments and blank lines. */
function commandsOf(step: Mapping): string[] {
	if (typeof step.run !== 'string') return [];
	return step.run
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => line !== '' && !line.startsWith('#'));
}

/** The words of a command line, so that `--provenance` is found as a word and not inside another. */
const wordsOf = (command: string): string[] => command.split(/\s+/);

const triggers = (on: unknown): string[] => {
	if (typeof on === 'string') return [on];
	if (Array.isArray(on)) return on.filter((name): name is string => typeof name === 'string');
	return isMapping(on) ? Object.keys(on) : [];
};

/** Whether the push trigger is limited to tags (a push to a branch must not publish). */
const pushesOnlyTags = (on: unknown): boolean => {
	if (!isMapping(on) || !isMapping(on.push)) return false;
	return on.push.tags !== undefined && on.push.branches === undefined && on.push['branches-ignore'] === undefined;
};

/**
 * The problems of a parsed publish workflow, each a sentence that says what to put back; empty
 * when it is fine.
 */
export function problemsInPublishWorkflow(workflow: unknown): string[] {
	if (!isMapping(workflow)) return ['the file is not a YAML mapping of a GitHub Actions workflow'];
	const problems: string[] = [];

	const on = workflow.on;
	const events = triggers(on);
	const releaseOrTag = events.includes('release') || (events.includes('push') && pushesOnlyTags(on));
	if (!releaseOrTag) problems.push('`on:` must be a published release (`release`) or a pushed tag (`push: tags:`), so that only a release publishes');
	const otherEvents = events.filter((event) => event !== 'release' && event !== 'push' && event !== 'workflow_dispatch');
	if (otherEvents.length) problems.push(`\`on:\` must not publish on ${otherEvents.join(', ')}`);

	const jobs = isMapping(workflow.jobs) ? Object.entries(workflow.jobs) : [];
	const publishing = jobs.filter(([, job]) =>
		isMapping(job) && Array.isArray(job.steps) && job.steps.some((step) => isMapping(step) && commandsOf(step).some((command) => /^npm publish\b/.test(command))),
	);
	if (publishing.length !== 1) {
		problems.push(`exactly one job must run \`npm publish\` (found ${publishing.length})`);
		return problems;
	}
	const [jobName, job] = publishing[0] as [string, Mapping];
	const steps = (job.steps as unknown[]).filter(isMapping);

	const permissions = isMapping(job.permissions) ? job.permissions : isMapping(workflow.permissions) ? workflow.permissions : undefined;
	if (!permissions) {
		problems.push(`job "${jobName}" must set \`permissions:\` with \`id-token: write\` and \`contents: read\``);
	} else {
		if (permissions['id-token'] !== 'write') problems.push(`job "${jobName}" must grant \`id-token: write\` (npm signs the provenance statement with the OIDC token)`);
		if (permissions.contents !== 'read') problems.push(`job "${jobName}" must grant \`contents: read\` only (publishing needs no write access to the repository)`);
	}

	const setupNode = steps.find((step) => typeof step.uses === 'string' && step.uses.startsWith('actions/setup-node@'));
	const nodeVersion = setupNode && isMapping(setupNode.with) ? String(setupNode.with['node-version'] ?? '') : '';
	if (!/^24(\.|$)/.test(nodeVersion)) problems.push(`job "${jobName}" must set up Node 24 with actions/setup-node (node-version: '24'; found ${nodeVersion ? `'${nodeVersion}'` : 'none'})`);

	const publishAt = steps.findIndex((step) => commandsOf(step).some((command) => /^npm publish\b/.test(command)));
	const publishCommands = commandsOf(steps[publishAt]).filter((command) => /^npm publish\b/.test(command));
	for (const command of publishCommands) {
		const words = wordsOf(command);
		if (!words.includes('--provenance')) problems.push(`\`${command}\` must have --provenance: n8n verifies only packages published with npm provenance`);
		if (!(words.includes('--access') && words[words.indexOf('--access') + 1] === 'public') && !words.includes('--access=public')) {
			problems.push(`\`${command}\` must have --access public`);
		}
	}

	for (const required of REQUIRED_BEFORE_PUBLISH) {
		const at = steps.findIndex((step) => commandsOf(step).some((command) => required.command.test(command)));
		if (at === -1) problems.push(`job "${jobName}" must run \`${required.name}\` before \`npm publish\``);
		else if (at > publishAt) problems.push(`\`${required.name}\` must run before \`npm publish\`, not after it`);
		else if (steps[at]['continue-on-error'] !== undefined && steps[at]['continue-on-error'] !== false) problems.push(`\`${required.name}\` must not have continue-on-error: a failure must stop the publish`);
		else if (steps[at].if !== undefined) problems.push(`\`${required.name}\` must not have an \`if:\`: it must run on every publish`);
	}
	return problems;
}

function main(): void {
	const path = resolve(__dirname, '..', PUBLISH_WORKFLOW);
	let workflow: unknown;
	try {
		workflow = parse(readFileSync(path, 'utf8'));
	} catch (error) {
		console.error(`${PUBLISH_WORKFLOW}: cannot be read as YAML: ${(error as Error).message}`);
		process.exit(1);
	}
	const problems = problemsInPublishWorkflow(workflow);
	if (problems.length) {
		console.error(`${PUBLISH_WORKFLOW}: ${problems.length} problem(s):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
		process.exit(1);
	}
	console.log(`${PUBLISH_WORKFLOW}: publishes with provenance, id-token: write, after ${REQUIRED_BEFORE_PUBLISH.map((step) => step.name).join(', ')}`);
}

if (require.main === module) main();
