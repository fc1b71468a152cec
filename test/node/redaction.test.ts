import type { INode } from 'n8n-workflow';

import { describeUrl, redactText } from '../../nodes/RoboflowVideo/helpers/redact';
import { toSafeApiError } from '../../nodes/RoboflowVideo/transport';

const KEY = 'rf_Secret_Key_9c1f7e2ab4d8';
const node: INode = { id: '1', name: 'Roboflow', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} };
const signed =
	'https://storage.googleapis.com/bucket/uid/clip.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40p.iam&X-Goog-Expires=3600&X-Goog-Signature=abcdef0123';

describe('redactText', () => {
	it('removes the key wherever it appears, and any api_key parameter', () => {
		const text = `GET https://api.roboflow.com/videoinfer/?api_key=${KEY}&job_id=1 failed; key ${KEY}; other api_key=zzz`;
		const safe = redactText(text, [KEY]);
		expect(safe).not.toContain(KEY);
		expect(safe).not.toContain('zzz');
		expect(safe).toContain('job_id=1');
	});

	it('strips the credentials of a signed storage URL but keeps where it points', () => {
		const safe = redactText(`PUT ${signed} answered 403`);
		expect(safe).toBe('PUT https://storage.googleapis.com/bucket/uid/clip.mp4?[signature redacted] answered 403');
		expect(describeUrl(signed)).toBe('https://storage.googleapis.com/bucket/uid/clip.mp4');
	});

	it('leaves ordinary text alone and ignores secrets too short to be keys', () => {
		expect(redactText('nothing to see', ['a'])).toBe('nothing to see');
	});
});

describe('toSafeApiError', () => {
	// An axios-shaped failure whose every part carries the key, as a proxy echoing the URL would.
	const leaky = Object.assign(new Error(`Request to https://api.roboflow.com/?api_key=${KEY} failed`), {
		config: { url: `https://api.roboflow.com/?api_key=${KEY}`, params: { api_key: KEY } },
		response: {
			status: 400,
			headers: { 'retry-after': '12' },
			data: { error: { message: `Bad request for api_key=${KEY}`, type: 'GraphMethodException', hint: `Your key ${KEY} is fine` } },
		},
	});

	it('keeps status, Roboflow\'s message and hint, and Retry-After, and nothing of the key', () => {
		const error = toSafeApiError(node, leaky, { action: 'starting the inference job', itemIndex: 2, secrets: [KEY] });
		const everything = JSON.stringify({ json: error, description: error.description, messages: error.messages, stack: error.stack });
		expect(everything).not.toContain(KEY);
		expect(error.message).toBe('Roboflow answered HTTP 400 while starting the inference job: Bad request for api_key=[redacted]');
		expect(error.description).toContain('Your key [redacted] is fine');
		expect(error.httpCode).toBe('400');
		expect(error.context).toMatchObject({ itemIndex: 2, retryAfterSeconds: 12 });
	});

	it('explains a network failure without the URL', () => {
		const refused = Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:1 (https://x/?api_key=${KEY})`), { code: 'ECONNREFUSED' });
		const error = toSafeApiError(node, refused, { action: 'asking for an upload link', secrets: [KEY] });
		expect(error.message).toBe('Could not reach Roboflow while asking for an upload link');
		expect(error.description).toContain('ECONNREFUSED');
		expect(JSON.stringify({ json: error, description: error.description })).not.toContain(KEY);
	});
});
