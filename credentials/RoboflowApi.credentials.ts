import type {
	IAuthenticateGeneric,
	Icon,
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

	// Tested by the Roboflow Video node's credentialTest `roboflowApiTest` (its `testedBy`): it checks
	// that the answer is Roboflow's, which n8n's declarative test rules cannot express.
}
