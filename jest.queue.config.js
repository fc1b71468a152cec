/** The queue-mode suite (test/queue): Redis, PostgreSQL 17, an n8n main and two workers on this machine. About 15-20 minutes. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/queue'],
	testMatch: ['**/*.queue.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	// One stack at a time: the machine has two cores.
	maxWorkers: 1,
	testTimeout: 45 * 60_000,
};
