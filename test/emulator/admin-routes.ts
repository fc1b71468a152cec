/**
 * The /__emulator/ routes on the API port: test control for an emulator running in another
 * process (see server.ts for the list). They are neither recorded nor faulted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorOptions, RuntimeSettings } from './emulator-options';
import { validateFaultRule, type FaultBook } from './faults';
import { readBody, sendJson, type RecordedRequest } from './http-util';
import type { JobSnapshot } from './jobs';

/** What the admin routes read and change: the running emulator's own state. */
export interface AdminControl {
	requests: RecordedRequest[];
	snapshots: () => JobSnapshot[];
	faults: FaultBook;
	settings: RuntimeSettings;
	reset: () => Promise<void>;
	configure: (partial: Partial<EmulatorOptions>) => void;
}

export async function handleAdminRequest(control: AdminControl, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
	const { requests, snapshots, faults, settings, reset, configure } = control;
	const method = req.method ?? 'GET';
	const route = `${method} ${url.pathname.replace(/\/$/, '')}`;
	const readJson = async (): Promise<unknown> => {
		const text = await readBody(req);
		return text ? JSON.parse(text) : {};
	};
	try {
		switch (route) {
			case 'GET /__emulator/requests':
				return sendJson(res, 200, requests);
			case 'GET /__emulator/jobs':
				return sendJson(res, 200, snapshots());
			case 'POST /__emulator/faults': {
				const rule = await readJson();
				validateFaultRule(rule);
				faults.add(rule);
				res.writeHead(204).end();
				return;
			}
			case 'DELETE /__emulator/faults':
				faults.clear();
				res.writeHead(204).end();
				return;
			case 'POST /__emulator/reset':
				await reset();
				res.writeHead(204).end();
				return;
			case 'POST /__emulator/config': {
				configure((await readJson()) as Partial<EmulatorOptions>);
				return sendJson(res, 200, { ...settings, apiKeys: settings.apiKeys.length });
			}
			default:
				return sendJson(res, 404, { error: `Unknown emulator admin route ${route}.` });
		}
	} catch (error) {
		sendJson(res, 400, { error: (error as Error).message });
	}
}
