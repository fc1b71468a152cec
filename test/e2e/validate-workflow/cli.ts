/**
 * Runs the workflow checks (index.ts) outside jest: n8n's node modules include ES modules that
 * jest's module system cannot load, while Node 24 requires them natively.
 *
 *   node <tsx/cli> test/e2e/validate-workflow/cli.ts <n8n-nodes-base dir> <our dist dir> <workflow.json>...
 * Prints {"<file>": ["problem", ...], ...} as JSON.
 */
import { validateWorkflowFile } from './index';

const [n8nNodesBaseDir, ourDistDir, ...files] = process.argv.slice(2);
const problems = Object.fromEntries(files.map((file) => [file, validateWorkflowFile(file, { n8nNodesBaseDir, ourDistDir })]));
process.stdout.write(JSON.stringify(problems));
