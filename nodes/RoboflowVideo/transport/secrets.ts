import type { HttpContext } from './http';

export const CREDENTIAL_NAME = 'roboflowApi';

/** The values no text leaving the node may contain: the API key, as the credential holds it. */
export async function knownSecrets(ctx: HttpContext): Promise<string[]> {
	try {
		const credentials = await ctx.getCredentials(CREDENTIAL_NAME);
		return typeof credentials.apiKey === 'string' && credentials.apiKey ? [credentials.apiKey] : [];
	} catch {
		return [];
	}
}
