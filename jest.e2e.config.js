/** End-to-end suite against a real headless n8n 2.41.1 (see test/e2e). Slow by nature: jobs wait for real minutes. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	// One n8n at a time: the machine has two cores.
	maxWorkers: 1,
	testTimeout: 10 * 60_000,
};
