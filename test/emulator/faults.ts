/**
 * Fault injection: make the emulator misbehave the ways the real service can.
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
 *
 *   fault, one of:
 *     { type: 'http', status: 500|502|503|429, retryAfterSeconds? }
 *         answer with that status and Roboflow's error shape (XML on the storage host)
 *         instead of serving the request; Retry-After is sent when retryAfterSeconds is set.
 *     { type: 'delay', ms }      wait ms (real time) and then serve the request normally.
 *     { type: 'drop' }           destroy the socket without answering.
 *     { type: 'jobFailed', status: 2|3, message, error? }
 *         the matching job runs its full simulated duration, then ends failed with this
 *         status and message. Decided once, when the job is created.
 *     { type: 'expiredOutputUrl' }
 *         the output_signed_url handed out for a finished job is already expired.
 *
 * Request faults (http, delay, drop) are checked for every request; job faults
 * (jobFailed, expiredOutputUrl) only where they apply. Admin routes are never faulted.
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
	| { type: 'http'; status: 500 | 502 | 503 | 429; retryAfterSeconds?: number }
	| { type: 'delay'; ms: number }
	| { type: 'drop' }
	| { type: 'jobFailed'; status: 2 | 3; message: string; error?: string }
	| { type: 'expiredOutputUrl' };

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

const REQUEST_FAULTS = new Set<Fault['type']>(['http', 'delay', 'drop']);

export class FaultBook {
	private rules: Array<FaultRule & { remaining: number }> = [];

	add(rule: FaultRule): void {
		validateFaultRule(rule);
		this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
	}

	clear(): void {
		this.rules = [];
	}

	/** The first live request fault (http/delay/drop) matching the request; consumes one use. */
	takeRequestFault(context: FaultContext): Fault | undefined {
		return this.take(context, (fault) => REQUEST_FAULTS.has(fault.type));
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

/** Throws with a readable message when a rule (possibly from JSON over HTTP) is malformed. */
export function validateFaultRule(rule: unknown): asserts rule is FaultRule {
	const r = rule as FaultRule;
	if (!r || typeof r !== 'object' || !r.fault || typeof r.fault !== 'object') throw new Error('A fault rule needs a "fault" object.');
	if (r.times !== undefined && !(Number.isInteger(r.times) && r.times > 0)) throw new Error('"times" must be a positive integer.');
	const f = r.fault;
	switch (f.type) {
		case 'http':
			if (![500, 502, 503, 429].includes(f.status)) throw new Error('http fault status must be 500, 502, 503 or 429.');
			return;
		case 'delay':
			if (!(typeof f.ms === 'number' && f.ms >= 0)) throw new Error('delay fault needs ms >= 0.');
			return;
		case 'jobFailed':
			if (f.status !== 2 && f.status !== 3) throw new Error('jobFailed fault status must be 2 or 3.');
			if (typeof f.message !== 'string') throw new Error('jobFailed fault needs a message.');
			return;
		case 'drop':
		case 'expiredOutputUrl':
			return;
		default:
			throw new Error(`Unknown fault type "${(f as { type?: unknown }).type}".`);
	}
}
