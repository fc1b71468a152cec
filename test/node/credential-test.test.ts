/**
 * The Roboflow API credential's Test button: the node's credentialTest, run the way n8n's
 * CredentialsTester runs it (in n8n-core's CredentialTestContext, whose only HTTP helper is the
 * legacy request of n8n's outbound client), against the emulator and against servers that are
 * not Roboflow's.
 */
import 'reflect-metadata';

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CredentialTestContext } from 'n8n-core';
import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { RoboflowApi } from '../../credentials/RoboflowApi.credentials';
import { roboflowApiTest } from '../../nodes/RoboflowVideo/methods/credentialTest';
import type { RoboflowEmulator } from '../emulator/server';
import { emulatorForTests, SECRET_KEY, withPolicy } from './helpers';

// Named with its extension: beside the node sits its codex RoboflowVideo.node.json.
const { RoboflowVideo } = require('../../nodes/RoboflowVideo/RoboflowVideo.node.ts') as typeof import('../../nodes/RoboflowVideo/RoboflowVideo.node');

const messages: string[] = [];

async function testCredential(baseUrl: string, apiKey = SECRET_KEY): Promise<INodeCredentialTestResult> {
	const context = new CredentialTestContext({} as IWorkflowExecuteAdditionalData) as unknown as ICredentialTestFunctions;
	const credential: ICredentialsDecrypted = { id: 'cred-1', name: 'Roboflow test', type: 'roboflowApi', data: { apiKey, baseUrl } };
	const result = await roboflowApiTest.call(context, credential);
	messages.push(result.message);
	return result;
}

/** A local server that is not Roboflow's: each test sets how it answers. */
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
let other: Server;
let otherUrl: string;
let emulator: RoboflowEmulator;

beforeAll(async () => {
	emulator = await emulatorForTests();
	other = createServer((req, res) => answer(req, res));
	await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
	otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
afterAll(async () => {
	other.closeAllConnections();
	await new Promise((resolve) => other.close(resolve));
	await emulator.close();
});
beforeEach(() => emulator.reset());

const html = (status: number, body = '<!DOCTYPE html><html><head><title>n8n.io - Workflow Automation</title></head><body></body></html>') => (_req: IncomingMessage, res: ServerResponse) => {
	res.writeHead(status, { 'Content-Type': 'text/html' });
	res.end(body);
};
const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
	res.writeHead(status, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(body));
};

describe('wiring: n8n finds the test through the node', () => {
	it('the credential has no declarative test, the node names its credentialTest in testedBy', () => {
		expect((new RoboflowApi() as { test?: unknown }).test).toBeUndefined();
		const node = new RoboflowVideo();
		expect(node.description.credentials).toEqual([{ name: 'roboflowApi', required: true, testedBy: 'roboflowApiTest' }]);
		expect(node.methods.credentialTest.roboflowApiTest).toBe(roboflowApiTest);
	});
});

describe('against Roboflow (the emulator)', () => {
	it('passes with the right key, asking the API root once with the key as api_key', async () => {
		expect(await testCredential(emulator.apiUrl)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET / 200']);
		expect(emulator.requests[0].query).toEqual({ api_key: SECRET_KEY });
	});

	it('passes with a trailing slash on the Base URL', async () => {
		expect((await testCredential(`${emulator.apiUrl}/`)).status).toBe('OK');
	});

	it('says the key was not accepted when Roboflow answers 401, with Roboflow\'s reason', async () => {
		const result = await testCredential(emulator.apiUrl, 'rf_wrong_key_0000000000');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Roboflow did not accept this API key \(Roboflow says: This API key does not exist \(or has been revoked\)\)\. Check that it is your workspace's private API key/);
		expect(result.message).not.toContain('rf_wrong_key_0000000000');
	});

	it('says Roboflow refused the key when Roboflow itself answers 403', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, fault: { type: 'http', status: 403 } });
		const result = await testCredential(emulator.apiUrl);
		expect(result.message).toMatch(/^Roboflow refused this API key \(Roboflow says: .+\)\. Check the key's permissions/);
	});

	it('does not blame the key when Roboflow has a problem (5xx)', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, fault: { type: 'http', status: 503 } });
		const result = await testCredential(emulator.apiUrl);
		expect(result.message).toMatch(/answered HTTP 503 .*if this is Roboflow's API, it has a problem just now/);
		expect(result.message).not.toMatch(/API key/);
	});

	it('says Roboflow is limiting requests on a 429', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, fault: { type: 'http', status: 429, retryAfterSeconds: 1 } });
		expect((await testCredential(emulator.apiUrl)).message).toMatch(/^Roboflow is limiting requests just now \(HTTP 429\): test the credential again in a minute/);
	});

	it('says the Base URL has a path when Roboflow answers 404 in its own shape', async () => {
		const result = await testCredential(`${emulator.apiUrl}/emulator-workspace/nothing`);
		expect(result.message).toMatch(/^Roboflow answered HTTP 404 at http:\/\/127\.0\.0\.1:\d+\/emulator-workspace\/nothing \(Roboflow says: .*\), where its API answers every key with a welcome: the Base URL must be the API's root/);
	});

	it('never shows the key, also when Roboflow echoes it back (as its real 401 does) or the request URL', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, fault: { type: 'http', status: 401, body: '{"error":{"message":"This API key {{apiKey}} does not exist (or has been revoked).","hint":"see {{requestUrl}}"},"key":"{{apiKey}}"}' } });
		const result = await testCredential(emulator.apiUrl);
		expect(result.message).toMatch(/^Roboflow did not accept this API key \(Roboflow says: This API key \[redacted\] does not exist/);
		expect(result.message).not.toContain(SECRET_KEY);
	});

	it('a 200 from Roboflow\'s host that lacks the workspace is not taken for a pass', async () => {
		emulator.addFault({ match: { endpoint: 'root' }, fault: { type: 'respond', body: '{"welcome":"Welcome to the Roboflow API.","echo":"{{requestUrl}}"}' } });
		const result = await testCredential(emulator.apiUrl);
		expect(result.message).toMatch(/^This Base URL does not look like Roboflow's API: .* answered HTTP 200 with a JSON object without a workspace \("welcome", "echo"\)/);
	});
});

describe('against servers that are not Roboflow', () => {
	it('a server that answers 200 with a web page (n8n\'s own editor, say) fails', async () => {
		answer = html(200);
		const result = await testCredential(otherUrl);
		expect(result).toEqual({
			status: 'Error',
			message: `This Base URL does not look like Roboflow's API: ${otherUrl} answered HTTP 200 with an HTML page. Roboflow's API answers its root with a JSON welcome that names the key's workspace. Set the Base URL to https://api.roboflow.com (or to a proxy that forwards to it).`,
		});
	});

	it.each([
		['an empty JSON object', {}, /with an empty JSON object\./],
		['JSON of another API', { status: 'ok', version: '1.2' }, /with a JSON object without a workspace \("status", "version"\)/],
		['a JSON list', [1, 2], /with JSON that is not an object \(\[1,2\]\)/],
		['a workspace that is not text', { workspace: { id: 1 } }, /with a JSON object without a workspace \("workspace"\)/],
	])('a server that answers 200 with %s fails', async (_label, body, words) => {
		answer = json(200, body);
		const result = await testCredential(otherUrl);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^This Base URL does not look like Roboflow's API:/);
		expect(result.message).toMatch(words);
	});

	it('a 200 of plain text and an empty 200 fail', async () => {
		answer = (_req, res) => res.end('OK');
		expect((await testCredential(otherUrl)).message).toMatch(/answered HTTP 200 with text that is not JSON \("OK"\)/);
		answer = (_req, res) => res.end();
		expect((await testCredential(otherUrl)).message).toMatch(/answered HTTP 200 with an empty answer/);
	});

	it.each([
		['an HTML 403 page', html(403, '<html><body><h1>403 Forbidden</h1></body></html>'), /answered HTTP 403 with an HTML page\. So the API key was not checked\./],
		['a JSON 403 of another shape', json(403, { message: 'Forbidden' }), /answered HTTP 403 with a JSON object without a workspace \("message"\)\. So the API key was not checked\./],
		['a 401 of another shape', json(401, { status: 'error', message: 'Unauthorized' }), /answered HTTP 401 with .*So the API key was not checked\./],
		['a 404 page', html(404, '<html>Not Found</html>'), /answered HTTP 404 with an HTML page\./],
	])('a wrong host answering with %s is not taken for Roboflow refusing the key', async (_label, handler, words) => {
		answer = handler;
		const result = await testCredential(otherUrl);
		expect(result.message).toMatch(/^This Base URL does not look like Roboflow's API:/);
		expect(result.message).toMatch(words);
		expect(result.message).not.toMatch(/did not accept|refused this API key/);
	});

	it('a redirect is not followed (it would carry the key elsewhere) and is named', async () => {
		let hits = 0;
		answer = (req, res) => {
			hits++;
			res.writeHead(301, { Location: 'https://example.com/api/?api_key=' + SECRET_KEY });
			res.end();
		};
		const result = await testCredential(otherUrl);
		expect(result.message).toMatch(/^The Base URL http:\/\/127\.0\.0\.1:\d+ redirects to https:\/\/example\.com\/api\/ \(HTTP 301\): set it to the API's own address/);
		expect(hits).toBe(1);
	});

	it('a server that echoes the request (and so the key) shows no key', async () => {
		answer = (req, res) => {
			res.writeHead(403, { 'Content-Type': 'text/plain' });
			res.end(`denied: ${req.url} key=${SECRET_KEY} enc=${encodeURIComponent(SECRET_KEY)}`);
		};
		const result = await testCredential(otherUrl);
		expect(result.message).toMatch(/^This Base URL does not look like Roboflow's API: .* answered HTTP 403 with text that is not JSON/);
		expect(result.message).not.toContain(SECRET_KEY);
		expect(result.message).not.toContain(encodeURIComponent(SECRET_KEY));
	});

	it('a refused connection gets words, not a bare ECONNREFUSED', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise((resolve) => closed.close(resolve));
		const result = await testCredential(`http://127.0.0.1:${port}`);
		expect(result).toEqual({
			status: 'Error',
			message: `Could not reach Roboflow while calling http://127.0.0.1:${port}: the connection was refused (nothing answers at that address). Check the Base URL (normally https://api.roboflow.com) and that n8n can reach it (a proxy or firewall may block it).`,
		});
	});

	it('a host name that does not exist gets words', async () => {
		const result = await testCredential('http://no-such-host.invalid');
		expect(result.message).toMatch(/^Could not reach Roboflow while calling http:\/\/no-such-host\.invalid: the host name could (not be found|not be looked up just now)\. Check the Base URL/);
	});

	it('a server that never answers fails at the deadline', async () => {
		answer = () => undefined;
		const started = Date.now();
		const result = await withPolicy({ apiDeadlineMs: 300 }, async () => await testCredential(otherUrl));
		expect(result.message).toBe(`No answer came from ${otherUrl} within 0.3 s. Check the Base URL (normally https://api.roboflow.com) and that n8n can reach it (a proxy or firewall may block it).`);
		expect(Date.now() - started).toBeLessThan(5_000);
	});
});

describe('a Base URL or key that cannot be used is named before any request', () => {
	it.each([
		['not a URL', 'api.roboflow.com', /^The Base URL "api\.roboflow\.com" is not a URL: write it in full, e\.g\. https:\/\/api\.roboflow\.com\.$/],
		['another scheme', 'ftp://api.roboflow.com', /^The Base URL must start with https:\/\/ \(or http:\/\/ for a local proxy\), not ftp:\/\//],
		['a query string', `https://api.roboflow.com/?api_key=${SECRET_KEY}`, /^The Base URL must not carry a query string/],
	])('%s', async (_label, baseUrl, words) => {
		const result = await testCredential(baseUrl);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(words);
	});

	it('an empty key', async () => {
		expect((await testCredential(emulator.apiUrl, '  ')).message).toMatch(/^The API key is empty: paste your workspace's private API key/);
		expect(emulator.requests).toEqual([]);
	});
});

afterAll(() => {
	// Every message any case produced: none holds the key, in any spelling.
	for (const message of messages) {
		expect(message).not.toContain(SECRET_KEY);
		expect(message).not.toContain(encodeURIComponent(SECRET_KEY));
	}
});
