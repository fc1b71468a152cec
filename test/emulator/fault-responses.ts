/**
 * How request faults (see faults.ts) turn into what a client sees on the wire.
 *
 * The servers hand every request to FaultResponder.serve() with the fault it drew (if any)
 * and a `serve` callback that answers it normally. Faults that replace the answer (http,
 * respond, drop, hang) never call it; faults that mangle the real answer (truncate,
 * resetAfterHeaders, trickle) let it write into a captured response, then send that
 * answer's status and headers, with its full Content-Length, and cut or slow the body
 * (captured-answer.ts). Replacement answers come from fault-error-answers.ts, their
 * {{placeholders}} from fault-placeholders.ts.
 *
 * Hanging, trickling and delayed requests are tracked so that endAll() (on close) ends
 * them at once; none leaves a timer behind once its connection is gone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
// Imported from node:timers rather than used as globals: jest's fake timers replace the
// globals only, and a trickle must advance in real time even while a test fakes the clock.
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureAnswer, cutOff, sendHead } from './captured-answer';
import { apiError, sendBody, storageErrorCode } from './fault-error-answers';
import { expandPlaceholders, type PlaceholderValues } from './fault-placeholders';
import type { EmulatorHost, RequestFault } from './faults';
import { sendRoboflowError } from './http-util';
import { storageErrorXml } from './signing';

export interface FaultTarget {
	host: EmulatorHost;
	req: IncomingMessage;
	res: ServerResponse;
	placeholders: () => PlaceholderValues;
}

export class FaultResponder {
	private readonly live = new Set<() => void>();
	private aborter = new AbortController();

	/** How many hanging or trickling connections are open. */
	get liveCount(): number {
		return this.live.size;
	}

	/**
	 * Serves one request with `fault` applied; `serve` answers it normally into target.res.
	 * Resolves once the answer's fate is set: answered, headers sent (a trickle goes on in the
	 * background), dropped, or left hanging.
	 */
	async serve(fault: RequestFault | undefined, target: FaultTarget, serve: () => Promise<void>): Promise<void> {
		const { req, res } = target;
		switch (fault?.type) {
			case undefined:
				return serve();
			case 'delay':
				try {
					await sleep(fault.ms, undefined, { signal: this.aborter.signal });
				} catch {
					res.socket?.destroy(); // the emulator is closing
					req.resume();
					return;
				}
				return serve();
			case 'drop':
				res.socket?.destroy();
				req.resume();
				return;
			case 'http':
				this.sendHttpFault(fault, target);
				req.resume();
				return;
			case 'respond': {
				const headers: Record<string, string> = {};
				if (fault.contentType !== undefined || fault.body !== '') headers['Content-Type'] = fault.contentType ?? 'application/json';
				for (const [name, value] of Object.entries(fault.headers ?? {})) {
					for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
					headers[name] = expandPlaceholders(value, target.placeholders);
				}
				sendBody(res, fault.status ?? 200, expandPlaceholders(fault.body, target.placeholders), headers);
				req.resume();
				return;
			}
			case 'hang':
				this.hang(res);
				return;
			case 'truncate':
			case 'resetAfterHeaders':
			case 'trickle': {
				const answer = await captureAnswer(res, serve);
				if (!res.socket || res.socket.destroyed) return; // the client went away meanwhile
				sendHead(res, answer);
				if (fault.type === 'trickle') return this.trickle(res, answer.body, fault.bytesPerSecond ?? 1);
				const size = answer.body.length;
				const keep = fault.type === 'truncate' ? Math.min(fault.keepBytes ?? Math.floor(size / 2), Math.max(0, size - 1)) : 0;
				cutOff(res, answer.body.subarray(0, keep));
				return;
			}
		}
	}

	/** Ends every hanging and trickling connection and every pending delay now. */
	endAll(): void {
		this.aborter.abort();
		this.aborter = new AbortController();
		for (const end of [...this.live]) end();
	}

	private sendHttpFault(fault: Extract<RequestFault, { type: 'http' }>, { host, res, placeholders }: FaultTarget): void {
		const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
		if (fault.body !== undefined) {
			const contentType = fault.contentType ?? (host === 'storage' ? 'application/xml; charset=UTF-8' : 'application/json');
			sendBody(res, fault.status, expandPlaceholders(fault.body, placeholders), { 'Content-Type': contentType, ...headers });
		} else if (host === 'storage') {
			const code = storageErrorCode(fault.status);
			const message = code === 'InternalError' || code === 'SlowDown' ? 'We encountered an internal error. Please try again.' : `The request failed (HTTP ${fault.status}).`;
			sendBody(res, fault.status, storageErrorXml(code, message), { 'Content-Type': 'application/xml; charset=UTF-8', ...headers });
		} else {
			const error = apiError(fault.status);
			sendRoboflowError(res, fault.status, error.type, error.message, error.hint, headers);
		}
	}

	/** Leaves the connection open, unanswered and unread, until the client or endAll() ends it. */
	private hang(res: ServerResponse): void {
		const socket = res.socket;
		if (!socket || socket.destroyed) return;
		const end = (): void => {
			this.live.delete(end);
			socket.destroy();
		};
		this.live.add(end);
		socket.once('close', end);
	}

	/** Sends `body` at `bytesPerSecond` on a chain of real timers; stops when the connection goes. */
	private trickle(res: ServerResponse, body: Buffer, bytesPerSecond: number): void {
		res.flushHeaders();
		if (body.length === 0) {
			res.end();
			return;
		}
		// One tick a second for slow rates (1 B/s: a byte a second), at most 20 a second for fast ones.
		const tickMs = Math.min(1000, Math.max(50, 1000 / bytesPerSecond));
		let sent = 0;
		let credit = 0;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let done = false;
		const stop = (): void => {
			if (timer) clearTimeout(timer);
			timer = undefined;
			this.live.delete(end);
			res.off('close', end);
		};
		const end = (): void => {
			if (done) return;
			done = true;
			stop();
			res.socket?.destroy();
		};
		const tick = (): void => {
			timer = undefined;
			if (done) return;
			credit += (bytesPerSecond * tickMs) / 1000;
			const count = Math.min(Math.floor(credit), body.length - sent);
			if (count > 0) {
				res.write(body.subarray(sent, sent + count));
				sent += count;
				credit -= count;
			}
			if (sent >= body.length) {
				done = true;
				stop();
				res.end();
				return;
			}
			timer = setTimeout(tick, tickMs);
		};
		this.live.add(end);
		res.once('close', end); // the client went away, or the emulator closed the socket
		timer = setTimeout(tick, tickMs);
	}
}
