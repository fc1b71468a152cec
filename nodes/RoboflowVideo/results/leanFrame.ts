/**
 * Reads a detection-like frame entry straight from the results file's bytes, keeping only what
 * the Summary and the tracking use: the image size and, per prediction, the box, confidence and
 * class. Pure. It exists for speed: JSON.parse of each entry builds every field of every
 * prediction (detection ids, class ids, polygons) only for most of them to be dropped, and the
 * entry must first be found and copied into a string; this reads the bytes once and builds only
 * the few numbers and the (shared) class names.
 *
 * It reads only what it fully understands, and checks it as strictly as JSON.parse does. Anything
 * else (another kind of frame, a missing or odd field, an escaped key, malformed JSON) is
 * NOT_LEAN, and the caller reads the entry the ordinary way, with JSON.parse, which also names
 * the byte of any error. A number gives exactly the double JSON.parse gives (see readNumber).
 */

export interface LeanPrediction {
	x: number;
	y: number;
	width: number;
	height: number;
	confidence: number;
	class: string;
}

export type LeanKind = 'object-detection' | 'instance-segmentation' | 'keypoint-detection';

export interface LeanFrame {
	/** The frame's `image` field: its width and height when they are numbers (else undefined). */
	image?: { width?: number; height?: number };
	predictions: LeanPrediction[];
	/** The model's kind as the first prediction's fields tell it (as kindOfEntry does); undefined without predictions. */
	kind?: LeanKind;
}

/** The bytes end before the entry does (it goes on in the next chunk). */
export const INCOMPLETE = -1;
/** Not an entry this reader takes: read it with JSON.parse. */
export const NOT_LEAN = -2;

/** Thrown inside the reader, caught by read(): preallocated, as they are part of the normal flow. */
const OUT_OF_BYTES = { reason: INCOMPLETE };
const GIVE_UP = { reason: NOT_LEAN };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Keys this reader looks for; any other key's value is checked and skipped. */
const enum Key {
	Other,
	Image,
	Predictions,
	Top,
	X,
	Y,
	Width,
	Height,
	Confidence,
	Class,
	Points,
	Keypoints,
	Face,
}

/** The keys by length: the length and first byte rule out most keys at once. */
const KEYS_BY_LENGTH = new Map<number, Array<{ bytes: Buffer; key: Key }>>();
for (const [name, key] of [
	['image', Key.Image],
	['predictions', Key.Predictions],
	['top', Key.Top],
	['x', Key.X],
	['y', Key.Y],
	['width', Key.Width],
	['height', Key.Height],
	['confidence', Key.Confidence],
	['class', Key.Class],
	['points', Key.Points],
	['keypoints', Key.Keypoints],
	['face', Key.Face],
] as Array<[string, Key]>) {
	const list = KEYS_BY_LENGTH.get(name.length) ?? [];
	list.push({ bytes: Buffer.from(name, 'latin1'), key });
	KEYS_BY_LENGTH.set(name.length, list);
}
/** Indexed by length (none is longer than "predictions"). */
const KEYS_OF_LENGTH = Array.from({ length: 12 }, (_, length) => KEYS_BY_LENGTH.get(length) ?? []);

/** Powers of ten that doubles hold exactly (10^22 is the last). */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Up to this many significant digits, the digits as an integer are exact in a double. */
const EXACT_DIGITS = 15;
/** Nesting deeper than this inside a skipped value is left to JSON.parse. */
const MAX_DEPTH = 64;
/** Class names remembered (a model has a few dozen classes; past this, names are decoded each time). */
const MAX_CLASS_NAMES = 512;

const ALL_FIELDS = (1 << Key.X) | (1 << Key.Y) | (1 << Key.Width) | (1 << Key.Height) | (1 << Key.Confidence) | (1 << Key.Class);

export class LeanFrameReader {
	private buf: Uint8Array = new Uint8Array(0);
	private pos = 0;
	private end = 0;
	/** Class names already seen, by their bytes: each prediction's class is one of few strings. */
	private readonly classBytes: Uint8Array[] = [];
	private readonly classNames: string[] = [];
	/** The frame read by the last successful read(). */
	frame: LeanFrame = { predictions: [] };

	/**
	 * Reads the entry that starts at `start` (a "{") in `buf`, up to `end`. Returns the position
	 * after it, with the result in `frame`; or INCOMPLETE, or NOT_LEAN.
	 */
	read(buf: Uint8Array, start: number, end: number): number {
		this.buf = buf;
		this.pos = start;
		this.end = end;
		try {
			this.frame = this.readFrame();
			return this.pos;
		} catch (error) {
			return outcomeOf(error);
		}
	}

	/**
	 * Reads a number list element (a frame or time offset) that starts at `start`: returns the
	 * position after it, with its value in `value`; INCOMPLETE or NOT_LEAN as read() does. The
	 * byte after the number must be one that can end it in a list.
	 */
	readListNumber(buf: Uint8Array, start: number, end: number): number {
		this.buf = buf;
		this.pos = start;
		this.end = end;
		try {
			if (!this.isNumberStart(buf[start])) return NOT_LEAN;
			this.value = this.readNumber();
			if (this.pos >= end) return INCOMPLETE;
			const c = buf[this.pos];
			if (c === COMMA || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) return this.pos;
			return NOT_LEAN;
		} catch (error) {
			return outcomeOf(error);
		}
	}

	/** The number read by the last successful readListNumber(). */
	value = 0;

	/** The next byte that is not whitespace. */
	private next(): number {
		const buf = this.buf;
		const end = this.end;
		let p = this.pos;
		while (p < end) {
			const c = buf[p];
			if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
				this.pos = p;
				return c;
			}
			p++;
		}
		this.pos = p;
		throw OUT_OF_BYTES;
	}

	private expect(c: number): void {
		if (this.next() !== c) throw GIVE_UP;
		this.pos++;
	}

	private readFrame(): LeanFrame {
		this.expect(OPEN_BRACE);
		const frame: LeanFrame = { predictions: [] };
		let seen = 0;
		if (this.next() === CLOSE_BRACE) {
			this.pos++;
			return frame;
		}
		for (;;) {
			const key = this.readKey();
			if ((seen & (1 << key)) !== 0 && key !== Key.Other) throw GIVE_UP;
			seen |= 1 << key;
			switch (key) {
				case Key.Image:
					frame.image = this.readImage();
					break;
				case Key.Predictions:
					this.readPredictions(frame);
					break;
				case Key.Other:
					this.skipValue(0);
					break;
				default:
					// "top" is a classification frame; the others belong in a prediction.
					throw GIVE_UP;
			}
			const c = this.next();
			this.pos++;
			if (c === CLOSE_BRACE) return frame;
			if (c !== COMMA) throw GIVE_UP;
		}
	}

	private readImage(): { width?: number; height?: number } {
		this.expect(OPEN_BRACE);
		let width: number | undefined;
		let height: number | undefined;
		if (this.next() === CLOSE_BRACE) {
			this.pos++;
			return { width, height };
		}
		for (;;) {
			const key = this.readKey();
			if (key === Key.Width || key === Key.Height) {
				// A size that is not a number is no size (as the tracking reads it): keep it out.
				const value = this.isNumberStart(this.next()) ? this.readNumber() : (this.skipValue(0), undefined);
				if (key === Key.Width) width = value;
				else height = value;
			} else this.skipValue(0);
			const c = this.next();
			this.pos++;
			if (c === CLOSE_BRACE) return { width, height };
			if (c !== COMMA) throw GIVE_UP;
		}
	}

	private readPredictions(frame: LeanFrame): void {
		this.expect(OPEN_BRACKET);
		if (this.next() === CLOSE_BRACKET) {
			this.pos++;
			return;
		}
		for (;;) {
			frame.predictions.push(this.readPrediction(frame));
			const c = this.next();
			this.pos++;
			if (c === CLOSE_BRACKET) return;
			if (c !== COMMA) throw GIVE_UP;
		}
	}

	private readPrediction(frame: LeanFrame): LeanPrediction {
		this.expect(OPEN_BRACE);
		const first = frame.predictions.length === 0;
		let x = 0;
		let y = 0;
		let width = 0;
		let height = 0;
		let confidence = 0;
		let name = '';
		let seen = 0;
		if (this.next() === CLOSE_BRACE) throw GIVE_UP;
		for (;;) {
			const key = this.readKey();
			if (key !== Key.Other) {
				if ((seen & (1 << key)) !== 0) throw GIVE_UP;
				seen |= 1 << key;
			}
			switch (key) {
				case Key.X:
					x = this.readNumberValue();
					break;
				case Key.Y:
					y = this.readNumberValue();
					break;
				case Key.Width:
					width = this.readNumberValue();
					break;
				case Key.Height:
					height = this.readNumberValue();
					break;
				case Key.Confidence:
					confidence = this.readNumberValue();
					break;
				case Key.Class:
					name = this.readClassName();
					break;
				case Key.Other:
				case Key.Points:
				case Key.Keypoints:
					this.skipValue(0);
					break;
				default:
					// A face is a gaze model's; "image", "predictions" or "top" in a prediction is not Roboflow's shape.
					throw GIVE_UP;
			}
			const c = this.next();
			this.pos++;
			if (c === CLOSE_BRACE) break;
			if (c !== COMMA) throw GIVE_UP;
		}
		// A prediction without all six is left to the ordinary reading, which knows what to make of it.
		if ((seen & ALL_FIELDS) !== ALL_FIELDS) throw GIVE_UP;
		if (first) {
			frame.kind =
				(seen & (1 << Key.Keypoints)) !== 0 ? 'keypoint-detection' : (seen & (1 << Key.Points)) !== 0 ? 'instance-segmentation' : 'object-detection';
		}
		return { x, y, width, height, confidence, class: name };
	}

	/** A key and its colon; a key with escapes is left to JSON.parse. */
	private readKey(): Key {
		if (this.next() !== QUOTE) throw GIVE_UP;
		const buf = this.buf;
		const end = this.end;
		const start = this.pos + 1;
		let p = start;
		for (;;) {
			if (p >= end) throw OUT_OF_BYTES;
			const c = buf[p];
			if (c === QUOTE) break;
			if (c === BACKSLASH || c < 0x20) throw GIVE_UP;
			p++;
		}
		this.pos = p + 1;
		this.expect(COLON);
		const length = p - start;
		if (length >= KEYS_OF_LENGTH.length) return Key.Other;
		const candidates = KEYS_OF_LENGTH[length];
		for (let k = 0; k < candidates.length; k++) {
			const bytes = candidates[k].bytes;
			if (bytes[0] !== buf[start]) continue;
			let i = 1;
			while (i < length && bytes[i] === buf[start + i]) i++;
			if (i === length) return candidates[k].key;
		}
		return Key.Other;
	}

	private readClassName(): string {
		if (this.next() !== QUOTE) throw GIVE_UP;
		const buf = this.buf;
		const start = this.pos + 1;
		const stop = this.skipString();
		const length = stop - start;
		// The same few names come again and again: find the one already made.
		const known = this.classBytes;
		for (let k = 0; k < known.length; k++) {
			const bytes = known[k];
			if (bytes.length !== length) continue;
			let i = 0;
			while (i < length && bytes[i] === buf[start + i]) i++;
			if (i === length) return this.classNames[k];
		}
		const raw = buf.subarray(start, stop);
		let name: string;
		if (raw.includes(BACKSLASH)) {
			try {
				name = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + start - 1, length + 2).toString('utf8')) as string;
			} catch {
				throw GIVE_UP;
			}
		} else name = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
		if (known.length < MAX_CLASS_NAMES) {
			known.push(Uint8Array.from(raw));
			this.classNames.push(name);
		}
		return name;
	}

	/**
	 * Checks a string that starts at `pos` (a quote) the way JSON.parse would, and moves past it.
	 * Returns where its closing quote is.
	 */
	private skipString(): number {
		const buf = this.buf;
		const end = this.end;
		let p = this.pos + 1;
		for (;;) {
			if (p >= end) throw OUT_OF_BYTES;
			const c = buf[p];
			if (c === QUOTE) break;
			if (c < 0x20) throw GIVE_UP;
			if (c === BACKSLASH) {
				if (p + 1 >= end) throw OUT_OF_BYTES;
				const e = buf[p + 1];
				if (e === 0x75 /* u */) {
					if (p + 5 >= end) throw OUT_OF_BYTES;
					for (let h = p + 2; h < p + 6; h++) if (!isHexDigit(buf[h])) throw GIVE_UP;
					p += 6;
					continue;
				}
				// \" \\ \/ \b \f \n \r \t
				if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) throw GIVE_UP;
				p += 2;
				continue;
			}
			p++;
		}
		this.pos = p + 1;
		return p;
	}

	/** Checks any JSON value the way JSON.parse would, and moves past it. */
	private skipValue(depth: number): void {
		const c = this.next();
		if (c === QUOTE) {
			this.skipString();
			return;
		}
		if (c === OPEN_BRACE || c === OPEN_BRACKET) {
			if (depth >= MAX_DEPTH) throw GIVE_UP;
			const object = c === OPEN_BRACE;
			const close = object ? CLOSE_BRACE : CLOSE_BRACKET;
			this.pos++;
			if (this.next() === close) {
				this.pos++;
				return;
			}
			for (;;) {
				if (object) {
					if (this.next() !== QUOTE) throw GIVE_UP;
					this.skipString();
					this.expect(COLON);
				}
				this.skipValue(depth + 1);
				const after = this.next();
				this.pos++;
				if (after === close) return;
				if (after !== COMMA) throw GIVE_UP;
			}
		}
		if (this.isNumberStart(c)) {
			this.readNumber();
			return;
		}
		if (c === 0x74 /* t */) return this.skipWord(TRUE);
		if (c === 0x66 /* f */) return this.skipWord(FALSE);
		if (c === 0x6e /* n */) return this.skipWord(NULL);
		throw GIVE_UP;
	}

	private skipWord(word: Uint8Array): void {
		for (let i = 0; i < word.length; i++) {
			if (this.pos + i >= this.end) throw OUT_OF_BYTES;
			if (this.buf[this.pos + i] !== word[i]) throw GIVE_UP;
		}
		this.pos += word.length;
	}

	private isNumberStart(c: number): boolean {
		return c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9);
	}

	/** A field that must be a number (a box's place or size, a confidence): anything else is left to JSON.parse. */
	private readNumberValue(): number {
		if (!this.isNumberStart(this.next())) throw GIVE_UP;
		return this.readNumber();
	}

	/**
	 * A JSON number at `pos`, checked against JSON's grammar. Its value is the digits as an
	 * integer times a power of ten; when both are exact in a double (up to 15 significant digits
	 * and 10^±22), one multiplication or division rounds once, to the double nearest the decimal
	 * (Clinger's fast path, as V8's own parser takes it). Otherwise Number() reads the text.
	 */
	private readNumber(): number {
		const buf = this.buf;
		const end = this.end;
		const start = this.pos;
		let p = start;
		const negative = buf[p] === MINUS;
		if (negative) p++;
		if (p >= end) throw OUT_OF_BYTES;
		let c = buf[p];
		let mantissa = 0;
		let digits = 0;
		let scale = 0;
		if (c === DIGIT_0) {
			p++;
			// "01" is not JSON.
			if (p < end && buf[p] >= DIGIT_0 && buf[p] <= DIGIT_9) throw GIVE_UP;
		} else if (c > DIGIT_0 && c <= DIGIT_9) {
			while (p < end && (c = buf[p]) >= DIGIT_0 && c <= DIGIT_9) {
				mantissa = mantissa * 10 + (c - DIGIT_0);
				digits++;
				p++;
			}
		} else throw GIVE_UP;
		if (p < end && buf[p] === DOT) {
			p++;
			const fractionStart = p;
			while (p < end && (c = buf[p]) >= DIGIT_0 && c <= DIGIT_9) {
				// Leading zeros of a fraction (0.004) are not significant digits.
				if (digits > 0 || c !== DIGIT_0) {
					mantissa = mantissa * 10 + (c - DIGIT_0);
					digits++;
				}
				scale--;
				p++;
			}
			if (p === fractionStart) {
				if (p >= end) throw OUT_OF_BYTES;
				throw GIVE_UP;
			}
		}
		let exponent = 0;
		if (p < end && (buf[p] === 0x65 || buf[p] === 0x45) /* e E */) {
			p++;
			let exponentNegative = false;
			if (p < end && (buf[p] === PLUS || buf[p] === MINUS)) {
				exponentNegative = buf[p] === MINUS;
				p++;
			}
			const exponentStart = p;
			while (p < end && (c = buf[p]) >= DIGIT_0 && c <= DIGIT_9) {
				if (exponent < 100_000) exponent = exponent * 10 + (c - DIGIT_0);
				p++;
			}
			if (p === exponentStart) {
				if (p >= end) throw OUT_OF_BYTES;
				throw GIVE_UP;
			}
			if (exponentNegative) exponent = -exponent;
		}
		this.pos = p;
		const power = scale + exponent;
		let value: number;
		if (digits <= EXACT_DIGITS && power >= -22 && power <= 22) {
			value = power < 0 ? mantissa / EXACT_POWERS_OF_TEN[-power] : mantissa * EXACT_POWERS_OF_TEN[power];
			if (negative) value = -value;
		} else {
			value = Number(Buffer.from(buf.buffer, buf.byteOffset + start, p - start).toString('latin1'));
		}
		return value;
	}
}

/** Whatever else went wrong (there should be nothing) also leaves the entry to JSON.parse. */
function outcomeOf(error: unknown): typeof INCOMPLETE | typeof NOT_LEAN {
	return error === OUT_OF_BYTES ? INCOMPLETE : NOT_LEAN;
}

const TRUE = Uint8Array.from(Buffer.from('true', 'latin1'));
const FALSE = Uint8Array.from(Buffer.from('false', 'latin1'));
const NULL = Uint8Array.from(Buffer.from('null', 'latin1'));

function isHexDigit(c: number): boolean {
	return (c >= DIGIT_0 && c <= DIGIT_9) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
