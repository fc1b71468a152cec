/**
 * What the node says about the jobs it started, so that none is lost: a job is billed and runs
 * at Roboflow from the moment it is accepted, whatever then happens to the n8n process or to the
 * node's other items. Its id must reach the user even when the node's output does not.
 */

export interface StartedJob {
	jobId: string;
	/** The item's index (from 0, as item_index in error items). */
	itemIndex: number;
}

/** Longest video name a log line carries; the rest is cut. */
const MAX_LOGGED_NAME_LENGTH = 120;

/**
 * The video's file name: the last part of its URL's path, never the query (a signed upload URL
 * is authorised by its query string) nor the host. Undefined when there is none.
 */
export function videoNameOf(url: string): string | undefined {
	let path: string;
	try {
		path = new URL(url).pathname;
	} catch {
		return undefined;
	}
	const last = path.slice(path.lastIndexOf('/') + 1);
	let name: string;
	try {
		name = decodeURIComponent(last);
	} catch {
		name = last;
	}
	// One log line per job: nothing in a name may break it or pass for another field.
	name = withoutControlCharacters(name).trim();
	if (!name) return undefined;
	return name.length > MAX_LOGGED_NAME_LENGTH ? `${name.slice(0, MAX_LOGGED_NAME_LENGTH)}…` : name;
}

/** The log line written the moment Roboflow accepts a job: `Roboflow job started: job_id=… item=…`. */
export function jobStartedLogLine(job: StartedJob & { videoUrl: string; nodeName: string; executionId?: string }): string {
	const name = videoNameOf(job.videoUrl);
	return [
		`Roboflow job started: job_id=${job.jobId} item=${job.itemIndex}`,
		name === undefined ? '' : ` video=${JSON.stringify(name)}`,
		` node=${JSON.stringify(job.nodeName)}`,
		job.executionId ? ` execution=${job.executionId}` : '',
	].join('');
}

/**
 * Added to the error that stops the node after some of its items' jobs were started: without it,
 * their ids (in the output the error throws away) would be lost while the jobs run and are billed.
 */
export function startedJobsNote(jobs: readonly StartedJob[]): string | undefined {
	if (jobs.length === 0) return undefined;
	const list = jobs.map((job) => `item ${job.itemIndex}: job_id=${job.jobId}`).join(', ');
	const them = jobs.length === 1 ? 'it' : 'them';
	return (
		`${jobs.length === 1 ? 'A job was' : `${jobs.length} jobs were`} already started for earlier items and ${jobs.length === 1 ? 'runs' : 'run'} at Roboflow (billed): ${list}. ` +
		`Follow ${them} with Get Status or Wait For Result (set Job ID) rather than starting ${them} again.`
	);
}

/** Control characters (U+0000 to U+001F and U+007F), each run of them, as one space. */
function withoutControlCharacters(text: string): string {
	let out = '';
	let inRun = false;
	for (const ch of text) {
		const code = ch.charCodeAt(0);
		const control = code <= 0x1f || code === 0x7f;
		if (control && !inRun) out += ' ';
		if (!control) out += ch;
		inRun = control;
	}
	return out;
}
