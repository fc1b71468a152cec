/**
 * How request faults (see faults.ts) turn into what a client sees on the wire.
 *
 * The servers hand every request to FaultResponder.serve() with the fault it drew (if any)
 * and a `serve` callback that answers it normally. Faults that replace the answer (http,
 * drop) never call it; delay calls it late.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorHost, Fault } from './faults';
import { sendRoboflowError } from './http-util';
import { storageErrorXml } from './signing';

export interface FaultTarget {
	host: EmulatorHost;
	req: IncomingMessage;
	res: ServerResponse;
}

export class FaultResponder {
	/** Serves one request with `fault` applied; `serve` answers it normally into target.res. */
	async serve(fault: Fault | undefined, target: FaultTarget, serve: () => Promise<void>): Promise<void> {
		const { req, res } = target;
		switch (fault?.type) {
			case 'delay':
				await sleep(fault.ms);
				return serve();
			case 'drop':
				res.socket?.destroy();
				req.resume();
				return;
			case 'http':
				this.sendHttpFault(fault, target);
				req.resume();
				return;
			default:
				return serve();
		}
	}

	private sendHttpFault(fault: Extract<Fault, { type: 'http' }>, { host, res }: FaultTarget): void {
		const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
		if (host === 'storage') {
			const xml = storageErrorXml(fault.status === 429 ? 'SlowDown' : 'InternalError', 'We encountered an internal error. Please try again.');
			res.writeHead(fault.status, { 'Content-Type': 'application/xml; charset=UTF-8', ...headers });
			res.end(xml);
		} else {
			const type = fault.status === 429 ? 'RateLimitException' : 'ServerError';
			const message = fault.status === 429 ? 'Too many requests.' : `The server encountered an error (HTTP ${fault.status}).`;
			sendRoboflowError(res, fault.status, type, message, 'Please try again later.', headers);
		}
	}
}
