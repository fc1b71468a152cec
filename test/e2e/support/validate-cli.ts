/**
 * Runs validate-workflow.ts outside jest: n8n's node modules include ES modules that jest's
 * module system cannot load, while Node 24 requires them natively.
 *
 *   node <tsx/cli> test/e2e/support/validate-cli.ts <n8n-nodes-base dir> <our dist dir> <workflow.json>...
 * Prints {"<file>": ["problem", ...], ...} as JSON.
 */
import { validateWorkflowFile } from './validate-workflow';

const [n8nNodesBaseDir, ourDistDir, ...files] = process.argv.slice(2);
const problems = Object.fromEntries(files.map((file) => [file, validateWorkflowFile(file, { n8nNodesBaseDir, ourDistDir })]));
process.stdout.write(JSON.stringify(problems));
