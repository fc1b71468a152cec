import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { requireJobId } from '../../helpers/validation';
import { jobIdProperty } from '../shared/jobId';
import { resultsOutputProperties } from '../shared/resultsOutput';
import { checkStep } from './checkStep';
import { keepRunning } from './keepRunning';
import { park } from './park';
import { isCheckStep, MIN_POLL_INTERVAL_SECONDS, outputsFailedItems, readWaitSettings, WAIT_SETTINGS_PARAMETER } from './settings';

/**
 * Wait For Result: one entry point, `execute`, for the user's node and for the internal check
 * step that Park Execution runs in a sub-workflow (told apart by the settings it carries).
 */

export { isCheckStep } from './settings';

/** The user's node has one output; the internal check step two (still pending, done). */
export const NODE_OUTPUTS = `={{ $parameter.${WAIT_SETTINGS_PARAMETER} ? ['main', 'main'] : ['main'] }}`;

const properties: INodeProperties[] = [
	jobIdProperty,
	{
		displayName:
			'All jobs are waited for together: the settings below apply to every item and are read from the first item (only Job ID is read per item)',
		name: 'sameSettingsNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Wait Mode',
		name: 'waitMode',
		type: 'options',
		options: [
			{
				name: 'Park Execution',
				value: 'park',
				description: 'Saved in n8n\'s database between checks; resumes by itself, also after a restart',
			},
			{
				name: 'Keep Execution Running',
				value: 'keepRunning',
				description: 'Stays active and checks from memory; only where parking is not available',
			},
		],
		default: 'park',
		hint: 'Park Execution holds nothing while the job runs. Keep Execution Running is for n8n\'s opt-in engine v2, which cannot park: it holds an execution slot for the whole job and is lost if n8n restarts.',
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		default: MIN_POLL_INTERVAL_SECONDS,
		typeOptions: { minValue: MIN_POLL_INTERVAL_SECONDS, numberPrecision: 0 },
		description: 'Seconds between two status checks of a job. Roboflow allows at most one a minute.',
	},
	{
		displayName: 'Max Wait Time (Minutes)',
		name: 'maxWaitTime',
		type: 'number',
		default: 360,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		description:
			'Give up after this long; the job itself goes on at Roboflow and can be picked up later with Get Status or another Wait For Result',
	},
	{
		displayName: 'On Job Failure',
		name: 'onJobFailure',
		type: 'options',
		options: [
			{
				name: 'Output Failed Items With an Error Field',
				value: 'outputFailedItems',
				description:
					'Every item comes out, in input order: finished jobs with their results, the others with error, description, job_id and state fields, as with Continue On Fail',
			},
			{
				name: 'Stop Workflow',
				value: 'stopWorkflow',
				description:
					'Wait until no job is still running, then fail with an error that lists every item\'s job ID and state. The finished jobs\' results are not output: fetch them with Get Status.',
			},
		],
		default: 'stopWorkflow',
		description:
			'What to do when a job fails at Roboflow, cannot be checked, or is still running at Max Wait Time. The other jobs are waited for in any case.',
	},
	...resultsOutputProperties({}),
	{
		// Set only on the internal check step of Park Execution: the user's settings, checked once.
		displayName: 'Wait Settings',
		name: WAIT_SETTINGS_PARAMETER,
		type: 'hidden',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['waitForResult'] } }, properties);

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const jobIdValues = this.getInputData().map((_, i) => this.getNodeParameter('jobId', i) as unknown);
	if (isCheckStep(this)) return await checkStep.call(this, jobIdValues);

	const { mode, settings } = readWaitSettings(this);
	// Refuse bad job IDs before anything starts; Output Failed Items (and Continue On Fail)
	// turns them into error items later.
	if (!outputsFailedItems(this, settings)) jobIdValues.forEach((value, i) => requireJobId(this, value, i));
	if (mode === 'keepRunning') return await keepRunning.call(this, jobIdValues, settings);
	return await park.call(this, jobIdValues, settings);
}
