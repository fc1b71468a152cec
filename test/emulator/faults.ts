/**
 * Fault injection: make the emulator misbehave the ways a real network and service can.
 *
 * A FaultRule is `{ match?, times?, fault }`:
 *
 *   match (all given fields must hold; omit `match` to hit everything):
 *     host        'api' | 'storage'           which server
 *     endpoint    'signedUrl' | 'createJob' | 'jobStatus' | 'upload' | 'results' | 'root' | 'workspace' | 'project'
 *     method      'GET' | 'PUT' | 'POST' | ...
 *     jobId       exact job id (status polls, results downloads, and the job's own outcome)
 *     inputUrlContains   substring of the job's input_url (job creation, polls, results, outcome)
 *
 *   times: how many times the rule fires before it is used up (default: unlimited).
 *   The first live rule that matches wins; a request gets at most one request fault.
 *
 *   fault, one of the request faults (checked for every request but admin routes):
 *     { type: 'http', status, retryAfterSeconds?, body?, contentType? }
 *         status: any integer 400-599. Answer with it instead of serving the request: in
 *         Roboflow's error shape {"error": {message, type, hint}} on the api host, GCS's XML
 *         error document on the storage host; or, when `body` is given, that body verbatim
 *         (placeholders expanded) with `contentType` (default 'application/json' on the api
 *         host, 'application/xml; charset=UTF-8' on storage). Retry-After is sent when
 *         retryAfterSeconds is set.
 *     { type: 'respond', status?, body, contentType?, headers? }
 *         answer with this status (default 200; 200-599) and body ('' for an empty answer;
 *         placeholders expanded) instead of serving the request. contentType defaults to
 *         'application/json' (none is sent for an empty body); `headers` adds or replaces
 *         response headers (placeholders expanded in their values too, e.g. a Location).
 *     { type: 'delay', ms }      wait ms (real time) and then serve the request normally.
 *     { type: 'drop' }           destroy the socket without answering.
 *     { type: 'truncate', keepBytes? }
 *         serve the real answer's status and headers (with its full Content-Length), then only
 *         the first keepBytes bytes of its body (default: half; always at least 1 byte short),
 *         then destroy the socket.
 *     { type: 'resetAfterHeaders' }
 *         serve the real answer's status and headers (with its Content-Length), then destroy
 *         the socket without sending any body.
 *     { type: 'trickle', bytesPerSecond? }
 *         serve the real answer's status and headers at once, then its body at bytesPerSecond
 *         (default 1; fractions allowed) until done. Stops when the client goes away.
 *     { type: 'hang' }
 *         never answer: leave the connection open (a PUT's body is not even read) until the
 *         client gives up or the emulator closes.
 *   The real answer behind truncate/resetAfterHeaders/trickle is really served: a job is
 *   created, a poll counts against the rate limit, an upload is stored.
 *
 *   or one of the job faults (only where they apply):
 *     { type: 'jobFailed', status: 2|3, message, error? }
 *         the matching job runs its full simulated duration, then ends failed with this
 *         status and message (placeholders expanded in message and error when answered).
 *         Decided once: when the job is created (rules matched by input_url or unconditional)
 *         or when it would have finished (rules matched by job id).
 *     { type: 'expiredOutputUrl' }
 *         the output_signed_url handed out for a finished job is already expired.
 *
 * Placeholders, for "leak bait" (a hostile answer that echoes secrets back):
 *   {{apiKey}}             the api_key this request carried (else the emulator's first key);
 *                          in jobFailed: the key that created the job
 *   {{requestUrl}}         the absolute URL of the request as received, query included;
 *                          in jobFailed: the job-creation URL (with its key)
 *   {{requestUrlEncoded}}  encodeURIComponent({{requestUrl}})
 *   {{signedUrl}}          a freshly signed results URL on the storage host (X-Goog-Signature...)
 *   {{inputUrl}}           the job's input_url with its signature (jobFailed; request faults
 *                          on a request about a job); unknown placeholders are left as they are.
 *
 * Requests answered under a request fault are recorded with `fault` set to its type, once
 * their fate is set: a hanging or dropped one at once with status 0, a trickling one as soon
 * as its headers are sent (with their status). close() ends hanging, trickling and delayed
 * requests at once; reset() leaves connections alone.
 */

export type EmulatorHost = 'api' | 'storage';
export type EmulatorEndpoint = 'root' | 'workspace' | 'project' | 'signedUrl' | 'createJob' | 'jobStatus' | 'upload' | 'results' | 'unknown';

export interface FaultMatch {
	host?: EmulatorHost;
	endpoint?: EmulatorEndpoint;
	method?: string;
	jobId?: string;
	inputUrlContains?: string;
}

export type Fault =
	| { type: 'http'; status: number; retryAfterSeconds?: number; body?: string; contentType?: string }
	| { type: 'respond'; status?: number; body: string; contentType?: string; headers?: Record<string, string> }
	| { type: 'delay'; ms: number }
	| { type: 'drop' }
	| { type: 'truncate'; keepBytes?: number }
	| { type: 'resetAfterHeaders' }
	| { type: 'trickle'; bytesPerSecond?: number }
	| { type: 'hang' }
	| { type: 'jobFailed'; status: 2 | 3; message: string; error?: string }
	| { type: 'expiredOutputUrl' };

export type RequestFault = Exclude<Fault, { type: 'jobFailed' | 'expiredOutputUrl' }>;

export interface FaultRule {
	match?: FaultMatch;
	times?: number;
	fault: Fault;
}

/** What is known about the request (or job) a fault is being considered for. */
export interface FaultContext {
	host: EmulatorHost;
	endpoint: EmulatorEndpoint;
	method: string;
	jobId?: string;
	inputUrl?: string;
}

const REQUEST_FAULTS = new Set<Fault['type']>(['http', 'respond', 'delay', 'drop', 'truncate', 'resetAfterHeaders', 'trickle', 'hang']);

export class FaultBook {
	private rules: Array<FaultRule & { remaining: number }> = [];

	add(rule: FaultRule): void {
		validateFaultRule(rule);
		this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
	}

	clear(): void {
		this.rules = [];
	}

	/** The first live request fault (anything but jobFailed/expiredOutputUrl) matching the request; consumes one use. */
	takeRequestFault(context: FaultContext): RequestFault | undefined {
		return this.take(context, (fault) => REQUEST_FAULTS.has(fault.type)) as RequestFault | undefined;
	}

	/** The first live fault of the given job-level type matching the job; consumes one use. */
	takeJobFault<T extends 'jobFailed' | 'expiredOutputUrl'>(context: FaultContext, type: T): Extract<Fault, { type: T }> | undefined {
		return this.take(context, (fault) => fault.type === type) as Extract<Fault, { type: T }> | undefined;
	}

	private take(context: FaultContext, wanted: (fault: Fault) => boolean): Fault | undefined {
		const rule = this.rules.find((r) => r.remaining > 0 && wanted(r.fault) && matches(r.match, context));
		if (!rule) return undefined;
		rule.remaining -= 1;
		return rule.fault;
	}
}

function matches(match: FaultMatch | undefined, context: FaultContext): boolean {
	if (!match) return true;
	if (match.host && match.host !== context.host) return false;
	if (match.endpoint && match.endpoint !== context.endpoint) return false;
	if (match.method && match.method.toUpperCase() !== context.method.toUpperCase()) return false;
	if (match.jobId && match.jobId !== context.jobId) return false;
	if (match.inputUrlContains && !(context.inputUrl ?? '').includes(match.inputUrlContains)) return false;
	return true;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MATCH_KEYS = ['host', 'endpoint', 'method', 'jobId', 'inputUrlContains'];

const isInteger = (value: unknown, min: number, max: number): boolean => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/** Throws with a readable message when a rule (possibly from JSON over HTTP) is malformed. */
export function validateFaultRule(rule: unknown): asserts rule is FaultRule {
	const r = rule as FaultRule;
	if (!r || typeof r !== 'object' || !r.fault || typeof r.fault !== 'object') throw new Error('A fault rule needs a "fault" object.');
	if (r.times !== undefined && !(Number.isInteger(r.times) && r.times > 0)) throw new Error('"times" must be a positive integer.');
	if (r.match !== undefined) {
		if (typeof r.match !== 'object' || r.match === null || Array.isArray(r.match)) throw new Error('"match" must be an object.');
		for (const [key, value] of Object.entries(r.match)) {
			if (!MATCH_KEYS.includes(key)) throw new Error(`Unknown match field "${key}" (known: ${MATCH_KEYS.join(', ')}).`);
			if (value !== undefined && typeof value !== 'string') throw new Error(`match.${key} must be a string.`);
		}
	}
	const f = r.fault;
	switch (f.type) {
		case 'http':
			if (!isInteger(f.status, 400, 599)) throw new Error('http fault status must be an integer from 400 to 599.');
			if (f.retryAfterSeconds !== undefined && !(typeof f.retryAfterSeconds === 'number' && f.retryAfterSeconds >= 0)) {
				throw new Error('http fault retryAfterSeconds must be a number >= 0.');
			}
			if (!isOptionalString(f.body)) throw new Error('http fault body must be a string.');
			if (!isOptionalString(f.contentType)) throw new Error('http fault contentType must be a string.');
			return;
		case 'respond':
			if (f.status !== undefined && !isInteger(f.status, 200, 599)) throw new Error('respond fault status must be an integer from 200 to 599.');
			if (typeof f.body !== 'string') throw new Error('respond fault needs a body string (\'\' for an empty answer).');
			if ((f.status === 204 || f.status === 304) && f.body !== '') throw new Error(`respond fault with status ${f.status} cannot have a body.`);
			if (!isOptionalString(f.contentType)) throw new Error('respond fault contentType must be a string.');
			if (f.headers !== undefined) {
				if (typeof f.headers !== 'object' || f.headers === null || Array.isArray(f.headers)) throw new Error('respond fault headers must be an object of strings.');
				for (const [name, value] of Object.entries(f.headers)) {
					if (!HEADER_NAME.test(name)) throw new Error(`respond fault header name "${name}" is not a valid HTTP header name.`);
					if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new Error(`respond fault header "${name}" must be a string without line breaks.`);
				}
			}
			return;
		case 'delay':
			if (!(typeof f.ms === 'number' && f.ms >= 0)) throw new Error('delay fault needs ms >= 0.');
			return;
		case 'truncate':
			if (f.keepBytes !== undefined && !isInteger(f.keepBytes, 0, Number.MAX_SAFE_INTEGER)) throw new Error('truncate fault keepBytes must be an integer >= 0.');
			return;
		case 'trickle':
			if (f.bytesPerSecond !== undefined && !(typeof f.bytesPerSecond === 'number' && Number.isFinite(f.bytesPerSecond) && f.bytesPerSecond > 0)) {
				throw new Error('trickle fault bytesPerSecond must be a number > 0.');
			}
			return;
		case 'jobFailed':
			if (f.status !== 2 && f.status !== 3) throw new Error('jobFailed fault status must be 2 or 3.');
			if (typeof f.message !== 'string') throw new Error('jobFailed fault needs a message.');
			if (!isOptionalString(f.error)) throw new Error('jobFailed fault error must be a string.');
			return;
		case 'drop':
		case 'resetAfterHeaders':
		case 'hang':
		case 'expiredOutputUrl':
			return;
		default:
			throw new Error(`Unknown fault type "${(f as { type?: unknown }).type}" (known: http, respond, delay, drop, truncate, resetAfterHeaders, trickle, hang, jobFailed, expiredOutputUrl).`);
	}
}
