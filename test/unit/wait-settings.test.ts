import { settingsProblem } from '../../nodes/RoboflowVideo/actions/waitForResult/settings';
import { waitSettings } from '../node/helpers';

const good = waitSettings();

describe('the settings Wait For Result hands its check step', () => {
	it('accepts what the user\'s node made', () => expect(settingsProblem(good)).toBeUndefined());

	it.each([
		['Stop Workflow', 'stopWorkflow'],
		['Output Failed Items', 'outputFailedItems'],
		['no On Job Failure (settings saved before it existed)', undefined],
	])('accepts %s', (_, onJobFailure) => expect(settingsProblem({ ...good, onJobFailure })).toBeUndefined());

	it.each([
		['nothing', null, /not an object/],
		['a list', [], /not an object/],
		['a 30 s interval', { ...good, intervalMs: 30_000 }, /poll interval/],
		['no maximum wait', { ...good, maxWaitMs: undefined }, /maximum wait/],
		['no node name', { ...good, callerNodeName: '' }, /name of the Wait For Result node/],
		['no output settings', { ...good, results: undefined }, /output settings are missing/],
		['an unknown format', { ...good, results: { ...good.results, output: 'csv' } }, /output format "csv" is unknown/],
		['no field name', { ...good, results: { ...good.results, binaryPropertyName: '' } }, /output field name/],
		['a confidence of 2', { ...good, results: { ...good.results, filters: { minConfidence: 2 } } }, /minimum confidence/],
		['classes as text', { ...good, results: { ...good.results, filters: { classes: 'a,b' } } }, /classes are not a list/],
		['no frames-in-one-item flag', { ...good, framesInOneItem: undefined }, /frames in one item/],
		['a non-boolean flag', { ...good, results: { ...good.results, onlyFramesWithPredictions: 'yes' } }, /only frames with predictions/],
		['an unknown On Job Failure', { ...good, onJobFailure: 'ignore' }, /On Job Failure "ignore" is unknown/],
		['On Job Failure as a flag', { ...good, onJobFailure: true }, /On Job Failure "true" is unknown/],
	])('refuses %s', (_, value, problem) => expect(settingsProblem(value)).toMatch(problem));
});
