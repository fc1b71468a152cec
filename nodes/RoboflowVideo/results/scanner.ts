/**
 * A streaming reader of Roboflow's results file. Pure: it is handed the body chunk by chunk and
 * calls a visitor; it does no I/O and keeps at most one frame entry in memory, so a file of any
 * size (1.5 GB of segmentation polygons is more than V8's longest string) reads in flat memory.
 *
 * The file is one JSON object of parallel lists (../shared/roboflow-api.md, "The results file"): `frame_offset` and `time_offset`
 * (numbers), then one list per model of frame entries (an object, a bare array for CLIP, or null).
 * The keys may come in any order. Each list element is found by scanning its bytes for the end
 * of the element (brackets and strings), then parsed on its own with JSON.parse. Whatever does
 * not fit that shape is a problem naming the byte where it was found; a body that ends before the
 * object closes is "cut short".
 *
 * A visitor that only needs boxes, confidences and classes (the Summary) takes detection-like
 * frames as LeanFrames instead: read straight from the bytes in one pass (leanFrame.ts), which
 * costs a fraction of finding the entry and parsing it whole. Entries the lean reader does not
 * take, malformed ones included, go the ordinary way, so what is accepted and every error
 * message are the same either way.
 */

import { INCOMPLETE, LeanFrameReader, NOT_LEAN, type LeanFrame } from './leanFrame';

export const OFFSET_KEYS = ['frame_offset', 'time_offset'] as const;
export type OffsetKey = (typeof OFFSET_KEYS)[number];

export interface ResultsVisitor {
	/** A frame_offset or time_offset list, read whole (a few MB even for a long video). */
	offsets?(key: OffsetKey, values: number[]): void;
	/** A model's list starts. Returning false skips its entries unparsed (still checked for shape). */
	modelStart?(modelId: string): boolean | void;
	/** One frame entry of a model: a frame object, a CLIP embedding array, or null. `bytes` is its size in the file. */
	frame?(modelId: string, index: number, entry: unknown, bytes: number): void;
	/**
	 * A detection-like frame entry, read lean (see leanFrame.ts): offered instead of frame() to a
	 * visitor that has this. Returning false declines it: the entry is then parsed whole and
	 * handed to frame(). `frame` is the visitor's to keep.
	 */
	leanFrame?(modelId: string, index: number, frame: LeanFrame, bytes: number): boolean;
	modelEnd?(modelId: string, frames: number): void;
}

/** The results file is not what Roboflow writes; the message says what and where. */
export class ResultsFileProblem extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ResultsFileProblem';
	}
}

/**
 * A reader needs the frames' times before the frames (a time window, tracking), and this file
 * lists them after: it must be read twice, first for its times.
 */
export class TimesNeededFirst extends Error {
	constructor() {
		super('the results file lists its time offsets after the frames');
		this.name = 'TimesNeededFirst';
	}
}

enum State {
	Start,
	KeyOrEnd,
	Key,
	Colon,
	Value,
	ElementOrEnd,
	Element,
	AfterElement,
	AfterValue,
	Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LETTER_N = 0x6e;

function isWhitespace(c: number): boolean {
	return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A number, true, false or null ends at one of these. */
function endsPrimitive(c: number): boolean {
	return c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isWhitespace(c);
}

function describeByte(c: number): string {
	return c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

interface ListInfo {
	kind: 'offsets' | 'model';
	key: string;
	/** Whether the visitor wants the entries parsed. */
	parse: boolean;
	count: number;
	numbers?: number[];
}

export class ResultsScanner {
	private state = State.Start;
	/** Bytes consumed before the current chunk. */
	private consumed = 0;
	private keyParts: Buffer[] = [];
	private keyEscaped = false;
	private key = '';
	/** Whether the object has had a key yet (only "{}" may close at once). */
	private anyKey = false;
	private list: ListInfo | undefined;
	/** After a comma in a list an element must follow: "[1,]" is not JSON. */
	private expectElement = false;
	private readonly lengths = new Map<string, number>();
	// The element being read: where it started, its bytes so far when it spans chunks, and the scan state.
	private elementStart = 0;
	private elementParts: Buffer[] = [];
	private depth = 0;
	private inString = false;
	private escaped = false;
	private primitive = false;
	/** Reads entries fast where it can (numbers always; frames for a visitor that takes LeanFrames). */
	private readonly lean = new LeanFrameReader();
	private readonly takesLeanFrames: boolean;
	/** The current element did not fit in its chunk: read it lean once it is whole. */
	private leanWhenWhole = false;

	constructor(private readonly visitor: ResultsVisitor) {
		this.takesLeanFrames = typeof visitor.leanFrame === 'function';
	}

	/** Bytes read so far. */
	get position(): number {
		return this.consumed;
	}

	/** Feeds the next chunk of the body. Throws ResultsFileProblem at the first thing that is not a results file. */
	push(chunk: Uint8Array): void {
		const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		const n = buf.length;
		let i = 0;
		while (i < n) {
			if (this.state === State.Element) {
				i = this.scanElement(buf, i);
				continue;
			}
			if (this.state === State.Key) {
				i = this.readKey(buf, i);
				continue;
			}
			const c = buf[i];
			if (isWhitespace(c)) {
				i++;
				continue;
			}
			const at = this.consumed + i;
			if (this.state === State.ElementOrEnd && c !== CLOSE_BRACKET) {
				const end = this.readLean(buf, i, n, c);
				if (end >= 0) {
					i = end;
					continue;
				}
				// The element's first byte is scanned again, as part of the element.
				this.startElement(c, at);
				this.leanWhenWhole = end === INCOMPLETE;
				continue;
			}
			this.structural(c, at);
			i++;
		}
		this.consumed += n;
	}

	/** The body ended: checks the object closed and the lists agree in length. */
	end(): { frames: number; modelIds: string[] } {
		if (this.state !== State.Done) {
			throw new ResultsFileProblem(`the results file ends early, after ${this.consumed} bytes (it was cut short)`);
		}
		const modelIds = [...this.lengths.keys()].filter((key) => !isOffsetKey(key));
		if (modelIds.length === 0) throw new ResultsFileProblem("the results file holds no model's results");
		const frameOffsets = this.lengths.get('frame_offset');
		const timeOffsets = this.lengths.get('time_offset');
		const frames = frameOffsets ?? timeOffsets;
		for (const modelId of modelIds) {
			const length = this.lengths.get(modelId)!;
			if (frames !== undefined && length !== frames) {
				throw new ResultsFileProblem(`model "${modelId}" has ${length} frames where the file has ${frames} frame offsets`);
			}
		}
		if (frameOffsets !== undefined && timeOffsets !== undefined && frameOffsets !== timeOffsets) {
			throw new ResultsFileProblem(`the file has ${frameOffsets} frame offsets but ${timeOffsets} time offsets`);
		}
		return { frames: Math.max(0, ...this.lengths.values()), modelIds };
	}

	private malformed(at: number, what: string): never {
		throw new ResultsFileProblem(`the results file is malformed at byte ${at}: ${what}`);
	}

	/** Everything between the elements: the object's braces, keys, colons and commas, the lists' closing brackets. */
	private structural(c: number, at: number): void {
		switch (this.state) {
			case State.Start:
				if (c !== OPEN_BRACE) throw new ResultsFileProblem('the results file is not a JSON object of per-frame lists');
				this.state = State.KeyOrEnd;
				return;
			case State.KeyOrEnd:
				if (c === QUOTE) {
					this.keyParts = [];
					this.anyKey = true;
					this.state = State.Key;
					return;
				}
				if (c === CLOSE_BRACE && !this.anyKey) {
					this.state = State.Done;
					return;
				}
				return this.malformed(at, `expected a key, found ${describeByte(c)}`);
			case State.Colon:
				if (c !== COLON) this.malformed(at, `expected ":" after "${this.key}", found ${describeByte(c)}`);
				this.state = State.Value;
				return;
			case State.Value:
				return this.startList(c, at);
			case State.ElementOrEnd:
				// Only "]" reaches here (see push): right after "[", or after a comma.
				return this.endList(at);
			case State.AfterElement:
				if (c === COMMA) {
					this.expectElement = true;
					this.state = State.ElementOrEnd;
					return;
				}
				if (c === CLOSE_BRACKET) return this.endList(at);
				return this.malformed(at, `expected "," or "]" in the list "${this.list!.key}", found ${describeByte(c)}`);
			case State.AfterValue:
				if (c === COMMA) {
					this.state = State.KeyOrEnd;
					return;
				}
				if (c === CLOSE_BRACE) {
					this.state = State.Done;
					return;
				}
				return this.malformed(at, `expected "," or "}" after the list "${this.key}", found ${describeByte(c)}`);
			case State.Done:
				return this.malformed(at, `${describeByte(c)} after the end of the results object`);
		}
	}

	private startList(c: number, at: number): void {
		const key = this.key;
		const offsets = isOffsetKey(key);
		if (c !== OPEN_BRACKET) {
			throw new ResultsFileProblem(offsets ? `"${key}" in the results file is not a list` : `the results of model "${key}" are not a list of frames`);
		}
		if (this.lengths.has(key) || this.list?.key === key) this.malformed(at, `the key "${key}" appears twice`);
		const parse = offsets ? true : this.visitor.modelStart?.(key) !== false;
		this.list = { kind: offsets ? 'offsets' : 'model', key, parse, count: 0, numbers: offsets ? [] : undefined };
		this.expectElement = false;
		this.state = State.ElementOrEnd;
	}

	/**
	 * Reads the element at `i` lean when it can: a number of an offsets list, or a frame object
	 * for a visitor that takes LeanFrames. Returns the position after the element, or INCOMPLETE
	 * (it goes on in the next chunk) or NOT_LEAN: then it is read the ordinary way.
	 */
	private readLean(buf: Buffer, i: number, n: number, c: number): number {
		const list = this.list!;
		if (list.kind === 'offsets') {
			const end = this.lean.readListNumber(buf, i, n);
			if (end < 0) return end;
			this.expectElement = false;
			list.count++;
			list.numbers!.push(this.lean.value);
			this.state = State.AfterElement;
			return end;
		}
		if (c !== OPEN_BRACE || !list.parse || !this.takesLeanFrames) return NOT_LEAN;
		const end = this.lean.read(buf, i, n);
		if (end < 0) return end;
		this.expectElement = false;
		this.elementStart = this.consumed + i;
		this.visitLean(list, buf.subarray(i, end));
		this.state = State.AfterElement;
		return end;
	}

	/** Hands the frame the lean reader just read to the visitor, or the parsed entry if it declines. */
	private visitLean(list: ListInfo, bytes: Buffer): void {
		const index = list.count++;
		if (this.visitor.leanFrame!(list.key, index, this.lean.frame, bytes.length) === false) this.visitParsed(list, index, bytes);
	}

	private startElement(c: number, at: number): void {
		const list = this.list!;
		if (list.kind === 'model' && c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== LETTER_N) {
			throw new ResultsFileProblem(`frame ${list.count} of model "${list.key}" is neither a frame object nor null`);
		}
		if (list.kind === 'offsets' && (c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET)) {
			throw new ResultsFileProblem(`"${list.key}" in the results file holds a non-number at frame ${list.count}`);
		}
		this.expectElement = false;
		this.elementStart = at;
		this.elementParts = [];
		this.depth = 0;
		this.inString = false;
		this.escaped = false;
		this.primitive = c !== OPEN_BRACE && c !== OPEN_BRACKET;
		this.state = State.Element;
	}

	/**
	 * Scans from `i` for the end of the current element: the bracket that closes it, or for a
	 * number or null the byte after it. Returns where reading goes on: past the element when it
	 * ended in this chunk, else the chunk's end (its bytes are kept for the next chunk).
	 */
	private scanElement(buf: Buffer, i: number): number {
		const n = buf.length;
		let end = -1;
		if (this.primitive) {
			for (let j = i; j < n; j++) {
				if (endsPrimitive(buf[j])) {
					end = j;
					break;
				}
			}
		} else {
			let depth = this.depth;
			let inString = this.inString;
			let escaped = this.escaped;
			for (let j = i; j < n; j++) {
				const c = buf[j];
				if (inString) {
					if (escaped) escaped = false;
					else if (c === BACKSLASH) escaped = true;
					else if (c === QUOTE) inString = false;
				} else if (c === QUOTE) inString = true;
				else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
				else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
					end = j + 1;
					break;
				}
			}
			this.depth = depth;
			this.inString = inString;
			this.escaped = escaped;
		}
		if (end < 0) {
			this.elementParts.push(buf.subarray(i, n));
			return n;
		}
		this.elementParts.push(buf.subarray(i, end));
		this.state = State.AfterElement;
		this.finishElement();
		return end;
	}

	private finishElement(): void {
		const list = this.list!;
		const parts = this.elementParts;
		const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
		this.elementParts = [];
		if (this.leanWhenWhole && list.kind === 'model' && list.parse && this.takesLeanFrames && this.lean.read(bytes, 0, bytes.length) === bytes.length) {
			return this.visitLean(list, bytes);
		}
		const index = list.count++;
		if (list.kind === 'model' && !list.parse) {
			// Unparsed, an entry is still checked: balanced brackets (found by the scan) or exactly null.
			if (this.primitive && !(bytes.length === 4 && bytes.toString('latin1') === 'null')) {
				throw new ResultsFileProblem(`frame ${index} of model "${list.key}" is neither a frame object nor null`);
			}
			return;
		}
		this.visitParsed(list, index, bytes);
	}

	/** Parses an entry whole (JSON.parse), checks its shape, and hands it to the visitor. */
	private visitParsed(list: ListInfo, index: number, bytes: Buffer): void {
		let value: unknown;
		try {
			value = JSON.parse(bytes.toString('utf8'));
		} catch (error) {
			const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
			this.malformed(this.elementStart + Number(position ?? 0), `entry ${index} of "${list.key}" is not valid JSON`);
		}
		if (list.kind === 'offsets') {
			if (typeof value !== 'number' || !Number.isFinite(value)) {
				throw new ResultsFileProblem(`"${list.key}" in the results file holds a non-number at frame ${index}`);
			}
			list.numbers!.push(value);
			return;
		}
		if (value !== null && typeof value !== 'object') {
			throw new ResultsFileProblem(`frame ${index} of model "${list.key}" is neither a frame object nor null`);
		}
		const predictions = value && !Array.isArray(value) ? (value as { predictions?: unknown }).predictions : undefined;
		if (predictions !== undefined && !Array.isArray(predictions)) {
			throw new ResultsFileProblem(`the predictions of frame ${index} of model "${list.key}" are not a list`);
		}
		this.visitor.frame?.(list.key, index, value, bytes.length);
	}

	private endList(at: number): void {
		const list = this.list!;
		if (this.expectElement) this.malformed(at, `a "," with nothing after it in the list "${list.key}"`);
		this.lengths.set(list.key, list.count);
		this.list = undefined;
		this.state = State.AfterValue;
		if (list.kind === 'offsets') this.visitor.offsets?.(list.key as OffsetKey, list.numbers!);
		else this.visitor.modelEnd?.(list.key, list.count);
	}

	/** Reads a key up to its closing (unescaped) quote; a key may go on into the next chunk. */
	private readKey(buf: Buffer, from: number): number {
		let escaped = this.keyEscaped;
		for (let j = from; j < buf.length; j++) {
			const c = buf[j];
			if (escaped) escaped = false;
			else if (c === BACKSLASH) escaped = true;
			else if (c === QUOTE) {
				this.keyParts.push(buf.subarray(from, j));
				this.keyEscaped = false;
				this.key = this.decodeKey(this.consumed + j);
				this.state = State.Colon;
				return j + 1;
			}
		}
		this.keyParts.push(buf.subarray(from));
		this.keyEscaped = escaped;
		return buf.length;
	}

	private decodeKey(at: number): string {
		const raw = Buffer.concat(this.keyParts).toString('utf8');
		this.keyParts = [];
		try {
			return JSON.parse(`"${raw}"`) as string;
		} catch {
			return this.malformed(at, `the key "${raw.slice(0, 40)}" is not a valid JSON string`);
		}
	}
}

function isOffsetKey(key: string): key is OffsetKey {
	return key === 'frame_offset' || key === 'time_offset';
}
