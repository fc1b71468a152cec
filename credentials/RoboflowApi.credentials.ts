import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class RoboflowApi implements ICredentialType {
	name = 'roboflowApi';

	displayName = 'Roboflow API';

	icon: Icon = {
		light: 'file:../nodes/RoboflowVideo/roboflow.svg',
		dark: 'file:../nodes/RoboflowVideo/roboflow.dark.svg',
	};

	documentationUrl = 'https://docs.roboflow.com/api-reference/authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Your workspace\'s private API key, from Roboflow: Settings → API Keys. It is sent only to the Base URL below.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.roboflow.com',
			placeholder: 'e.g. https://api.roboflow.com',
			description:
				'Where the Roboflow API answers. Change it only for a proxy, a self-hosted endpoint or the local emulator.',
		},
	];

	// Roboflow reads the key from the api_key query parameter on every endpoint.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			qs: {
				api_key: '={{$credentials.apiKey}}',
			},
		},
	};

	// The root endpoint answers with the key's workspace, so it proves the key without side effects.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Roboflow did not accept this API key: check that it is your workspace\'s private key (Settings → API Keys) and that it has not been revoked.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'This API key may not use the API: check the workspace\'s plan and the key\'s permissions in Roboflow.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'No Roboflow API answers at this Base URL: check the Base URL (normally https://api.roboflow.com).',
				},
			},
		],
	};
}
