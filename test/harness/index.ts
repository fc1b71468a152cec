/**
 * The shared harness: everything that both the tests and scripts/ use to run this package,
 * in one place that both may import. scripts/ import only from here (eslint enforces it).
 *
 * This entry carries the real n8n side, which the demo (scripts/demo.ts) and the end-to-end
 * suite (test/e2e) share: install n8n once, start it, install this package into it, run the
 * video workflow and read back what n8n stored. README.md here describes each piece.
 *
 * Not re-exported: in-process-n8n.ts, n8n-core inside the importing process (test/node and
 * scripts/bench-upload.ts import it by its own path). Loading it sets N8N_USER_FOLDER and loads
 * n8n-core, which the demo and the e2e suite must not pay for or inherit.
 */
export { cacheRoot, ensureN8nInstalled, harnessEnv, HarnessSetupError, N8N_VERSION, type Log, type N8nInstallation } from './install';
export { killAllN8n, startN8n, type ExecutionSummary, type N8nInstance, type StartN8nOptions } from './n8n';
export { installCommunityPackage, uninstallCommunityPackage, type InstalledCommunityPackage } from './community-package';
export { NODE_TYPE, PACKAGE_ROOT, packThisPackage, SAMPLE_VIDEO, startStack, type Stack } from './stack';
export { postVideo, storedItems, storedOutput, waitForStoredRun, type StoredRun } from './runs';
export { MIB, mib, procCpuMs, procStatusBytes, resetPeakRss, watchRss, type RssWatch } from './proc-memory';
export { DEMO_WORKFLOW_FILE, LINE_COUNTING_WORKFLOW_FILE, videoWorkflow } from './workflows';
export {
	DETECTION_BYTES_PER_FRAME,
	detectionFramesForBytes,
	detectionSpec,
	ensureDetectionResultsFile,
	ensureResultsFile,
	RESULTS_FILE_PRESET_NAMES,
	RESULTS_FILE_PRESETS,
	RESULTS_FILES_VERSION,
	resultsFilePath,
	resultsFilesDir,
	writeResultsFile,
	type ResultsFileInfo,
	type ResultsFilePreset,
	type ResultsFileSpec,
} from './results-files';
export * from './analytics-scenes';
