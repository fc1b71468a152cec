import type { INode } from 'n8n-workflow';

import { RoboflowRequestError, readErrorBody } from '../../nodes/RoboflowVideo/transport/errors';
import { describeBody, describeUrl, redactJson, redactText } from '../../nodes/RoboflowVideo/transport/redact';

const KEY = 'rf_Secret_Key_9c1f7e2ab4d8';
/** A key with characters that URL encoding changes. */
const ODD_KEY = 'k3y+with/odd=chars';
const node: INode = { id: '1', name: 'Roboflow', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} };
const signed =
	'https://storage.googleapis.com/bucket/uid/clip.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40p.iam&X-Goog-Expires=3600&X-Goog-Signature=abcdef0123';

describe('redactText', () => {
	it.each([
		['the key as it is', `failed for ${KEY}.`, 'failed for [redacted].'],
		['the key URL-encoded', `key=${encodeURIComponent(ODD_KEY)}!`, 'key=[redacted]!'],
		['an api_key parameter', 'GET /videoinfer/?api_key=zzz&job_id=1', 'GET /videoinfer/?api_key=[redacted]&job_id=1'],
		['an encoded api_key parameter', 'url=https%3A%2F%2Fx%2F%3Fapi_key%3Dzzz%26job_id%3D1', 'url=https%3A%2F%2Fx%2F%3Fapi_key%3D[redacted]%26job_id%3D1'],
		['a doubly encoded api_key', 'u=%3Fapi_key%253Dzzz%2526x', 'u=%3Fapi_key%253D[redacted]%2526x'],
		['a signed URL', `PUT ${signed} answered 403`, 'PUT https://storage.googleapis.com/bucket/uid/clip.mp4?[signature redacted] answered 403'],
		['an encoded signed URL', `see ${encodeURIComponent(signed)} now`, 'see https%3A%2F%2Fstorage.googleapis.com%2Fbucket%2Fuid%2Fclip.mp4%3F[signature redacted] now'],
		['a lone signature parameter', 'X-Goog-Signature=abcdef&x=1', 'X-Goog-Signature=[redacted]&x=1'],
		['ordinary text', 'nothing to see', 'nothing to see'],
	])('removes %s', (_, text, expected) => {
		expect(redactText(text, [KEY, ODD_KEY])).toBe(expected);
	});

	it('ignores secrets too short to be keys', () => {
		expect(redactText('a cat sat', ['a'])).toBe('a cat sat');
	});
});

describe('redactJson', () => {
	it('redacts every string but the named top-level signed URL', () => {
		const body = { output_signed_url: signed, error: { message: `bad ${KEY}` }, list: [`x ${signed}`] };
		const safe = redactJson(body, [KEY], new Set(['output_signed_url']));
		expect(safe.output_signed_url).toBe(signed);
		expect(JSON.stringify(safe.error)).not.toContain(KEY);
		expect(safe.list[0]).toBe('x https://storage.googleapis.com/bucket/uid/clip.mp4?[signature redacted]');
	});
});

describe('describeBody', () => {
	it.each([
		['', 'an empty answer'],
		['  \n', 'an empty answer'],
		['<!DOCTYPE html><html><body>Bad gateway ' + KEY + '</body></html>', 'an HTML page'],
		['<html><head><title>502</title></head></html>', 'an HTML page'],
		['<?xml version="1.0"?><Error><Code>ExpiredToken</Code><Details>' + signed + '</Details></Error>', 'an XML error page (ExpiredToken)'],
		['<Error><Message>x</Message></Error>', 'an XML page'],
		['plain text with ' + KEY, 'plain text with [redacted]'],
	])('renders %j safely', (body, expected) => {
		expect(describeBody(body, [KEY])).toBe(expected);
	});

	it('cuts long text short and says how long it was', () => {
		const text = describeBody('x'.repeat(1000));
		expect(text).toMatch(/^x{300}… \(1000 characters\)$/);
	});

	it('shows where a signed URL points, without its query', () => {
		expect(describeUrl(signed)).toBe('https://storage.googleapis.com/bucket/uid/clip.mp4');
		expect(describeUrl('not a url')).toBe('[invalid URL]');
	});
});

describe('readErrorBody', () => {
	it.each([
		['{"error":{"message":"No key","hint":"Check it"}}', { apiMessage: 'No key', apiHint: 'Check it' }],
		['{"error":"Broken"}', { apiMessage: 'Broken' }],
		['{"message":"Nope"}', { apiMessage: 'Nope' }],
		[`{"message":"for api_key=${KEY}"}`, { apiMessage: 'for api_key=[redacted]' }],
		['<Error><Code>AccessDenied</Code></Error>', { storageCode: 'AccessDenied' }],
		['[1,2]', { answer: '[1,2]' }],
	])('reads %s', (body, expected) => {
		expect(readErrorBody(body, [KEY])).toMatchObject(expected);
	});
});

describe('RoboflowRequestError', () => {
	const base = { action: 'checking job j1', attempts: 1, secrets: [KEY] };
	it.each([
		[{ step: 'status', cause: 'http', statusCode: 429 }, /one status check per job per minute/, true],
		[{ step: 'startJob', cause: 'http', statusCode: 429 }, /limiting requests/, true],
		[{ step: 'results', cause: 'http', statusCode: 503 }, /had a problem on its side/, true],
		[{ step: 'results', cause: 'http', statusCode: 400, storageCode: 'ExpiredToken' }, /results link has expired/, false],
		[{ step: 'upload', cause: 'http', statusCode: 403 }, /upload link has expired or was refused/, false],
		[{ step: 'startJob', cause: 'http', statusCode: 502 }, /A job may have been created/, true],
		[{ step: 'startJob', cause: 'timeout', deadlineMs: 30000 }, /A job may have been created/, true],
		[{ step: 'status', cause: 'timeout', deadlineMs: 30000 }, /within 30 s/, true],
		[{ step: 'uploadLink', cause: 'network', networkCode: 'ECONNREFUSED' }, /Base URL/, true],
		[{ step: 'status', cause: 'unreadable', problem: 'it has no status' }, /checks again at its next check/, false],
		[{ step: 'status', cause: 'http', statusCode: 401 }, /API key/, false],
	] as const)('%j gives advice that fits', (details, description, transient) => {
		const error = new RoboflowRequestError(node, { ...base, ...details });
		expect(error.description).toMatch(description);
		expect(error.transient).toBe(transient);
		expect(JSON.stringify({ m: error.message, d: error.description })).not.toContain(KEY);
	});

	it('never blames an expired link for a storage 5xx', () => {
		const error = new RoboflowRequestError(node, { ...base, step: 'results', cause: 'http', statusCode: 502, answer: 'an XML error page (InternalError)' });
		expect(error.description).not.toMatch(/expired/);
	});
});
