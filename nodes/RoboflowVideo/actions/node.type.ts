/**
 * The node's operations, typed once: the description, the router and the tests all use these
 * names, so a missing or misspelt operation is a compile error, not a runtime surprise.
 */
export const OPERATIONS = ['uploadVideo', 'startInference', 'getStatus', 'waitForResult'] as const;

export type Operation = (typeof OPERATIONS)[number];

/**
 * What the router dispatches to: the user-facing operations, plus the internal check step of
 * Wait For Result's Park Execution (operation waitForResult, carrying its settings).
 */
export type Route = Operation | 'checkJobs';

export function isOperation(value: unknown): value is Operation {
	return typeof value === 'string' && (OPERATIONS as readonly string[]).includes(value);
}
