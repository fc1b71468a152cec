import type { Fault, FaultRule } from '../../emulator/server';

/**
 * The fault campaign's cases: every endpoint the node talks to, under every kind of fault, for
 * every operation that reaches it, each with the outcome written down beforehand.
 */

export type Operation = 'upload' | 'start' | 'status' | 'summary' | 'binary' | 'wait';
export type Endpoint = 'signedUrl' | 'upload' | 'createJob' | 'jobStatus' | 'results';

/** Succeeds with the same result as without the fault (after retrying), or fails with these words and without those. */
export type Expected = { ok: true } | { error: RegExp[]; not?: RegExp[] };

export interface FaultCase {
	name: string;
	operation: Operation;
	endpoint: Endpoint;
	rule: FaultRule;
	expected: Expected;
}

/** Which operations reach which endpoints. */
export const REACHES: Record<Operation, Endpoint[]> = {
	upload: ['signedUrl', 'upload'],
	start: ['createJob'],
	status: ['jobStatus'],
	summary: ['jobStatus', 'results'],
	binary: ['results'],
	wait: ['jobStatus', 'results'],
};

const STORAGE = new Set<Endpoint>(['upload', 'results']);
const LEAK_JSON = '{"error":{"message":"upstream failed for {{requestUrl}} key={{apiKey}} enc={{requestUrlEncoded}}","hint":"see {{signedUrl}}"}}';
const LEAK_XML = '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>for {{requestUrl}} {{apiKey}}</Message><Details>{{signedUrl}} {{requestUrlEncoded}}</Details></Error>';
const HTML = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>{{requestUrl}}</p></body></html>';

const ok: Expected = { ok: true };
const MAY_EXIST = /A job may have been created/;
const NOT_EXPIRED = [/expired/i];

interface Kind {
	name: string;
	fault: Fault;
	times?: number;
	outcome: (endpoint: Endpoint, operation: Operation) => Expected;
}

/** Faults a retry should absorb, except where retrying is unsafe (starting a billed job). */
const passing = (name: string, fault: Fault, startJob: Expected): Kind => ({
	name,
	fault,
	times: 1,
	outcome: (endpoint) => (endpoint === 'createJob' ? startJob : ok),
});

const refused = (status: number, words: RegExp): Kind => ({
	name: `HTTP ${status}`,
	fault: { type: 'http', status },
	outcome: (endpoint, operation) => {
		// Storage 403 is an expired or refused link; in the wait a results link is fetched anew at the next check.
		if (operation === 'wait' && endpoint === 'results') return { error: [new RegExp(`HTTP ${status}`), /completed at Roboflow/] };
		if (STORAGE.has(endpoint)) return { error: [new RegExp(`storage answered HTTP ${status}`)] };
		return { error: [new RegExp(`^Roboflow answered HTTP ${status}`), words] };
	},
});

export const KINDS: Kind[] = [
	passing('HTTP 429 once', { type: 'http', status: 429, retryAfterSeconds: 0 }, ok),
	passing('HTTP 500 once', { type: 'http', status: 500 }, { error: [/HTTP 500/, MAY_EXIST] }),
	passing('HTTP 502 once', { type: 'http', status: 502 }, { error: [/HTTP 502/, MAY_EXIST] }),
	passing('HTTP 503 once', { type: 'http', status: 503 }, { error: [/HTTP 503/, MAY_EXIST] }),
	passing('HTTP 504 once', { type: 'http', status: 504 }, { error: [/HTTP 504/, MAY_EXIST] }),
	passing('HTML 502 page once', { type: 'http', status: 502, body: HTML, contentType: 'text/html' }, { error: [/HTTP 502/, MAY_EXIST], not: [/Bad Gateway<|DOCTYPE/] }),
	passing('dropped connection once', { type: 'drop' }, { error: [/^Could not reach Roboflow/, MAY_EXIST] }),
	passing('reset after headers once', { type: 'resetAfterHeaders' }, { error: [/^Could not reach Roboflow.*cut/, MAY_EXIST] }),
	passing('truncated body once', { type: 'truncate' }, { error: [/^Could not reach Roboflow.*cut/, MAY_EXIST] }),
	passing('hang once', { type: 'hang' }, { error: [/did not answer in time/, MAY_EXIST] }),
	passing('trickle once', { type: 'trickle', bytesPerSecond: 2 }, { error: [/did not answer in time/, MAY_EXIST] }),
	{
		name: 'HTTP 503 every time',
		fault: { type: 'http', status: 503 },
		outcome: (endpoint, operation) => {
			if (endpoint === 'createJob') return { error: [/HTTP 503/, MAY_EXIST] };
			if (operation === 'wait') return { error: [/HTTP 503/, endpoint === 'results' ? /completed at Roboflow/ : /may still be running/], not: NOT_EXPIRED };
			return { error: [/HTTP 503/, /tried 4 times/], not: NOT_EXPIRED };
		},
	},
	{
		name: 'leak bait in an error page, every time',
		fault: { type: 'http', status: 500, body: LEAK_JSON },
		outcome: (endpoint) => (STORAGE.has(endpoint) ? { error: [/HTTP 500/] } : { error: [/HTTP 500/, /upstream failed for/] }),
	},
	{
		name: 'leak bait in a storage XML page, every time',
		fault: { type: 'http', status: 502, body: LEAK_XML, contentType: 'application/xml' },
		outcome: () => ({ error: [/HTTP 502/], not: NOT_EXPIRED }),
	},
	{
		name: 'HTML with status 200',
		fault: { type: 'respond', body: HTML, contentType: 'text/html' },
		times: 1,
		outcome: (endpoint, operation) => answerNotJson(endpoint, operation),
	},
	{
		name: 'empty 200',
		fault: { type: 'respond', body: '' },
		times: 1,
		outcome: (endpoint, operation) => answerNotJson(endpoint, operation),
	},
	{
		name: 'non-JSON 200',
		fault: { type: 'respond', body: 'OK {{apiKey}}', contentType: 'text/plain' },
		times: 1,
		outcome: (endpoint, operation) => answerNotJson(endpoint, operation),
	},
	{
		name: 'JSON of the wrong shape',
		fault: { type: 'respond', body: '{"unexpected":true,"echo":"{{requestUrl}}"}' },
		times: 1,
		outcome: (endpoint, operation) => {
			if (endpoint === 'upload') return ok;
			if (operation === 'wait') return ok;
			if (endpoint === 'results') return { error: [/holds no model's results|not a list/] };
			if (endpoint === 'createJob') return { error: [/holds no job ID/, MAY_EXIST] };
			if (endpoint === 'signedUrl') return { error: [/holds no upload link/] };
			return { error: [/could not be read.*has no status/] };
		},
	},
	refused(401, /API key/),
	refused(403, /may use hosted video inference|expired/),
];

/** A 200 whose body is not JSON: upload answers need none; results are not a file; API answers cannot be read. */
function answerNotJson(endpoint: Endpoint, operation: Operation): Expected {
	if (endpoint === 'upload') return ok;
	// The wait takes one unreadable answer as a passing fault and checks again.
	if (operation === 'wait') return ok;
	if (endpoint === 'results') return { error: [/the results file (ends early|is not valid JSON|is malformed)|not a JSON object/] };
	if (endpoint === 'createJob') return { error: [/could not be read/, MAY_EXIST] };
	return { error: [/could not be read/], not: [/DOCTYPE|<html/i] };
}

export function generalCases(): FaultCase[] {
	const cases: FaultCase[] = [];
	for (const [operation, endpoints] of Object.entries(REACHES) as Array<[Operation, Endpoint[]]>) {
		for (const endpoint of endpoints) {
			for (const kind of KINDS) {
				const match = { host: STORAGE.has(endpoint) ? 'storage' : 'api', endpoint } as const;
				cases.push({
					name: `${operation} / ${endpoint} / ${kind.name}`,
					operation,
					endpoint,
					rule: { match, fault: kind.fault, ...(kind.times ? { times: kind.times } : {}) },
					expected: kind.outcome(endpoint, operation),
				});
			}
		}
	}
	return cases;
}

/** Status answers Roboflow's reference does not allow, and what Get Status says of each. */
export const STATUS_ANSWERS: Array<{ body: string; getStatus: Expected | { state: string; progress?: number } }> = [
	{ body: '{"status":"running"}', getStatus: { error: [/could not be read.*not one of Roboflow's status codes/] } },
	{ body: '{}', getStatus: { error: [/could not be read.*has no status/] } },
	{ body: '{"status":null}', getStatus: { error: [/could not be read/] } },
	{ body: '{"status":0}', getStatus: { error: [/done but gives no results link/] } },
	{ body: '{"status":0,"output_signed_url":"ftp://x/y.json"}', getStatus: { error: [/done but gives no results link/] } },
	{ body: '{"status":2.5}', getStatus: { error: [/could not be read/] } },
	{ body: '{"status":-1}', getStatus: { error: [/could not be read/] } },
	{ body: '[1]', getStatus: { error: [/could not be read.*not a JSON object/] } },
	{ body: '"done"', getStatus: { error: [/could not be read.*not a JSON object/] } },
	{ body: '{"status":1,"job_id":"someone-elses-job"}', getStatus: { error: [/about another job/] } },
	{ body: '{"status":1,"progress":"50%"}', getStatus: { state: 'processing', progress: 50 } },
	{ body: '{"status":"1","progress":"12.5"}', getStatus: { state: 'processing', progress: 12.5 } },
	{ body: '{"status":7,"error":"failed fetching {{requestUrl}}","message":"for {{apiKey}} {{requestUrlEncoded}}"}', getStatus: { state: 'failed' } },
];

/** Results files that are not what Roboflow writes, and the words the error must contain. */
export const BAD_RESULTS: Array<{ name: string; body: string; words: RegExp }> = [
	{ name: 'cut short', body: '{"frame_offset":[0,6],"time_offset":[0,0.25],"m":[{"predictions":[]},', words: /ends early/ },
	{ name: 'malformed', body: '{"frame_offset":[0,6] "m":[]}', words: /malformed at byte \d+/ },
	{ name: 'a list', body: '[]', words: /not a JSON object/ },
	{ name: 'no model', body: '{"frame_offset":[0],"time_offset":[0]}', words: /holds no model's results/ },
	{ name: 'a model that is not a list', body: '{"frame_offset":[0],"m":5}', words: /results of model "m" are not a list/ },
	{ name: 'frames of the wrong length', body: '{"frame_offset":[0,6],"m":[null]}', words: /has 1 frames where the file has 2/ },
	{ name: 'a frame that is a number', body: '{"frame_offset":[0],"m":[3]}', words: /frame 0 of model "m" is neither/ },
	{ name: 'predictions that are not a list', body: '{"frame_offset":[0],"m":[{"predictions":{}}]}', words: /predictions of frame 0 of model "m" are not a list/ },
	{ name: 'offsets that are not numbers', body: '{"frame_offset":["a"],"m":[null]}', words: /non-number at frame 0/ },
];
