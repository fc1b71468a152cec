/** Small helpers every check uses to look at a value and to quote it in a problem line. */

export const isExpression = (value: unknown) => typeof value === 'string' && value.startsWith('=');
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
export const show = (value: unknown) => {
	const text = JSON.stringify(value);
	return text && text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
