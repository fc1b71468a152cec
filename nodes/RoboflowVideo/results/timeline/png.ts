/**
 * A PNG encoder for palette (indexed-colour) images, with its own zlib stream: no dependency,
 * no I/O. Pure.
 *
 * The picture is flat (large areas of one colour, rows that repeat), so a fixed-Huffman deflate
 * with a hash-chain LZ77 compresses it well; a block whose fixed-Huffman coding would be larger
 * than the bytes themselves is written as a stored block instead.
 */

// ---------------------------------------------------------------- checksums

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

/** CRC-32 (ISO 3309, as PNG uses it). `crc` continues an earlier call's result. */
export function crc32(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
	let c = ~crc >>> 0;
	for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
	return ~c >>> 0;
}

/** Adler-32 (RFC 1950), the zlib stream's checksum of the uncompressed bytes. */
export function adler32(data: Uint8Array): number {
	let a = 1;
	let b = 0;
	// 5552 is the most bytes that can be summed before b may exceed 2^32 (as in zlib).
	for (let i = 0; i < data.length; ) {
		const end = Math.min(i + 5552, data.length);
		for (; i < end; i++) {
			a += data[i];
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return ((b << 16) | a) >>> 0;
}

// ---------------------------------------------------------------- deflate (RFC 1951)

/** How deflate blocks are written: `auto` picks per block the smaller of fixed-Huffman and stored. */
export type DeflateMode = 'auto' | 'fixed' | 'stored';

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const WINDOW = 32768;
const WINDOW_MASK = WINDOW - 1;
const HASH_BITS = 15;
const MAX_CHAIN = 24;
/** A stored block holds at most this many bytes; blocks of either kind cover at most this much input. */
const MAX_STORED = 65535;

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Length 3..258 -> index into LENGTH_BASE (symbol 257 + index). */
const LENGTH_INDEX = (() => {
	const t = new Uint8Array(MAX_MATCH + 1);
	for (let i = 0; i < LENGTH_BASE.length; i++) {
		const end = i + 1 < LENGTH_BASE.length ? LENGTH_BASE[i + 1] : MAX_MATCH + 1;
		for (let len = LENGTH_BASE[i]; len < end; len++) t[len] = i;
	}
	t[MAX_MATCH] = 28;
	return t;
})();

/** Distance 1..32768 -> distance code 0..29. */
const DIST_CODE = (() => {
	const t = new Uint8Array(WINDOW + 1);
	for (let i = 0; i < DIST_BASE.length; i++) {
		const end = i + 1 < DIST_BASE.length ? DIST_BASE[i + 1] : WINDOW + 1;
		for (let d = DIST_BASE[i]; d < end; d++) t[d] = i;
	}
	return t;
})();

function reverseBits(code: number, length: number): number {
	let r = 0;
	for (let i = 0; i < length; i++) r = (r << 1) | ((code >>> i) & 1);
	return r;
}

/** The fixed literal/length code (RFC 1951 3.2.6), bit-reversed for an LSB-first stream. */
const FIXED_LIT_CODE = new Uint16Array(288);
const FIXED_LIT_BITS = new Uint8Array(288);
for (let s = 0; s < 288; s++) {
	const [code, bits] = s < 144 ? [0x30 + s, 8] : s < 256 ? [0x190 + s - 144, 9] : s < 280 ? [s - 256, 7] : [0xc0 + s - 280, 8];
	FIXED_LIT_CODE[s] = reverseBits(code, bits);
	FIXED_LIT_BITS[s] = bits;
}
const FIXED_DIST_CODE = Uint8Array.from({ length: 30 }, (_, d) => reverseBits(d, 5));

class BitWriter {
	private buf: Uint8Array;
	private pos = 0;
	private bits = 0;
	private count = 0;

	constructor(capacity: number) {
		this.buf = new Uint8Array(Math.max(64, capacity));
	}

	/** Bits written so far. */
	get bitLength(): number {
		return this.pos * 8 + this.count;
	}

	private ensure(extra: number): void {
		if (this.pos + extra <= this.buf.length) return;
		const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
		bigger.set(this.buf.subarray(0, this.pos));
		this.buf = bigger;
	}

	/** Writes the low `n` bits of `value` (n <= 16), least significant first. */
	write(value: number, n: number): void {
		this.bits |= value << this.count;
		this.count += n;
		if (this.count >= 8) {
			this.ensure(3);
			while (this.count >= 8) {
				this.buf[this.pos++] = this.bits & 0xff;
				this.bits >>>= 8;
				this.count -= 8;
			}
		}
	}

	/** Pads to a byte boundary with zero bits. */
	align(): void {
		if (this.count > 0) this.write(0, 8 - this.count);
	}

	/** Appends whole bytes; the stream must be byte-aligned. */
	bytes(data: Uint8Array, start: number, end: number): void {
		this.ensure(end - start);
		this.buf.set(data.subarray(start, end), this.pos);
		this.pos += end - start;
	}

	finish(): Uint8Array {
		this.align();
		return this.buf.slice(0, this.pos);
	}
}

/** Matches at least this long insert only their last few positions into the hash chains (as zlib's fast levels do). */
const LONG_MATCH = 32;

/**
 * LZ77 with a hash chain over 3-byte sequences (greedy, at most MAX_CHAIN candidates), after a
 * quick look at distance 1: flat pictures are mostly runs. Tokens: a literal byte is its value
 * (< 2^16); a match is (length << 16) | distance.
 */
function lz77(data: Uint8Array): { tokens: Uint32Array; count: number } {
	const n = data.length;
	const tokens = new Uint32Array(n);
	let count = 0;
	const head = new Int32Array(1 << HASH_BITS).fill(-1);
	const prev = new Int32Array(WINDOW);
	const hashAt = (i: number) => Math.imul((data[i] << 16) | (data[i + 1] << 8) | data[i + 2], 0x9e3779b1) >>> (32 - HASH_BITS);
	const insert = (i: number) => {
		const h = hashAt(i);
		prev[i & WINDOW_MASK] = head[h];
		head[h] = i;
	};
	let i = 0;
	while (i < n) {
		if (i + MIN_MATCH <= n) {
			const limit = Math.min(MAX_MATCH, n - i);
			let best = 0;
			let bestDist = 0;
			// A run: the byte before repeats.
			if (i > 0 && data[i - 1] === data[i]) {
				let len = 1;
				while (len < limit && data[i - 1 + len] === data[i + len]) len++;
				best = len;
				bestDist = 1;
			}
			const h = hashAt(i);
			if (best < limit) {
				let candidate = head[h];
				for (let chain = MAX_CHAIN; candidate >= 0 && i - candidate <= WINDOW && chain > 0; chain--) {
					if (data[candidate + best] === data[i + best] && data[candidate] === data[i]) {
						let len = 1;
						while (len < limit && data[candidate + len] === data[i + len]) len++;
						if (len > best) {
							best = len;
							bestDist = i - candidate;
							if (len >= limit) break;
						}
					}
					candidate = prev[candidate & WINDOW_MASK];
				}
			}
			prev[i & WINDOW_MASK] = head[h];
			head[h] = i;
			if (best >= MIN_MATCH) {
				tokens[count++] = (best << 16) | bestDist;
				const end = Math.min(i + best, n - MIN_MATCH + 1);
				for (let j = best < LONG_MATCH ? i + 1 : Math.max(i + 1, end - 3); j < end; j++) insert(j);
				i += best;
				continue;
			}
		}
		tokens[count++] = data[i++];
	}
	return { tokens, count };
}

/** Bits a token costs in the fixed code. */
function fixedCost(token: number): number {
	const len = token >>> 16;
	if (len === 0) return FIXED_LIT_BITS[token];
	const li = LENGTH_INDEX[len];
	const dc = DIST_CODE[token & 0xffff];
	return FIXED_LIT_BITS[257 + li] + LENGTH_EXTRA[li] + 5 + DIST_EXTRA[dc];
}

function writeFixed(out: BitWriter, tokens: Uint32Array, from: number, to: number, final: boolean): void {
	out.write(final ? 1 : 0, 1);
	out.write(1, 2); // BTYPE 01: fixed Huffman
	for (let t = from; t < to; t++) {
		const token = tokens[t];
		const len = token >>> 16;
		if (len === 0) {
			out.write(FIXED_LIT_CODE[token], FIXED_LIT_BITS[token]);
			continue;
		}
		const li = LENGTH_INDEX[len];
		out.write(FIXED_LIT_CODE[257 + li], FIXED_LIT_BITS[257 + li]);
		if (LENGTH_EXTRA[li]) out.write(len - LENGTH_BASE[li], LENGTH_EXTRA[li]);
		const dist = token & 0xffff;
		const dc = DIST_CODE[dist];
		out.write(FIXED_DIST_CODE[dc], 5);
		if (DIST_EXTRA[dc]) out.write(dist - DIST_BASE[dc], DIST_EXTRA[dc]);
	}
	out.write(FIXED_LIT_CODE[256], FIXED_LIT_BITS[256]);
}

function writeStored(out: BitWriter, data: Uint8Array, start: number, end: number, final: boolean): void {
	out.write(final ? 1 : 0, 1);
	out.write(0, 2); // BTYPE 00: stored
	out.align();
	const len = end - start;
	out.write(len & 0xffff, 16);
	out.write(~len & 0xffff, 16);
	out.bytes(data, start, end);
}

/** Raw deflate data (RFC 1951) of `data`. */
export function deflateRaw(data: Uint8Array, mode: DeflateMode = 'auto'): Uint8Array {
	const n = data.length;
	const out = new BitWriter(mode === 'stored' ? n + 5 * Math.ceil(n / MAX_STORED) + 8 : (n >>> 2) + 1024);
	if (mode === 'stored') {
		if (n === 0) writeStored(out, data, 0, 0, true);
		for (let start = 0; start < n; start += MAX_STORED) {
			const end = Math.min(n, start + MAX_STORED);
			writeStored(out, data, start, end, end === n);
		}
		return out.finish();
	}
	const { tokens, count } = lz77(data);
	if (count === 0) {
		writeFixed(out, tokens, 0, 0, true);
		return out.finish();
	}
	// Blocks of whole tokens covering at most MAX_STORED input bytes, so either kind can be chosen.
	let t = 0;
	let pos = 0;
	while (t < count) {
		const firstToken = t;
		const start = pos;
		let bits = 7; // end of block
		while (t < count) {
			const token = tokens[t];
			const len = token >>> 16 || 1;
			if (pos + len - start > MAX_STORED) break;
			bits += fixedCost(token);
			pos += len;
			t++;
		}
		const final = t === count;
		const padding = (8 - ((out.bitLength + 3) & 7)) & 7;
		const storedBits = padding + 32 + 8 * (pos - start);
		if (mode === 'auto' && storedBits < bits) writeStored(out, data, start, pos, final);
		else writeFixed(out, tokens, firstToken, t, final);
	}
	return out.finish();
}

/** A zlib stream (RFC 1950): header, deflate data, Adler-32 of `data`. */
export function zlibDeflate(data: Uint8Array, mode: DeflateMode = 'auto'): Uint8Array {
	const body = deflateRaw(data, mode);
	const out = new Uint8Array(body.length + 6);
	out[0] = 0x78; // deflate, 32 KiB window
	out[1] = 0x01; // no dictionary, fastest level; (0x78 * 256 + 0x01) % 31 === 0
	out.set(body, 2);
	const adler = adler32(data);
	out[out.length - 4] = adler >>> 24;
	out[out.length - 3] = (adler >>> 16) & 0xff;
	out[out.length - 2] = (adler >>> 8) & 0xff;
	out[out.length - 1] = adler & 0xff;
	return out;
}

// ---------------------------------------------------------------- PNG

/** An indexed-colour image: `pixels` holds one palette index per pixel, row by row. */
export interface PaletteImage {
	width: number;
	height: number;
	/** At most 256 colours as [r, g, b], 0..255 each. */
	palette: ReadonlyArray<readonly [number, number, number]>;
	pixels: Uint8Array;
}

/** The PNG row filter: `none` on every row, or `auto`: per row whichever of None/Sub/Up leaves the most zero bytes. */
export type PngFilter = 'none' | 'auto';

export interface PngOptions {
	filter?: PngFilter;
	mode?: DeflateMode;
}

export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** The smallest bit depth (1, 2, 4 or 8) whose indexes reach every palette entry. */
export function bitDepthFor(paletteSize: number): 1 | 2 | 4 | 8 {
	return paletteSize <= 2 ? 1 : paletteSize <= 4 ? 2 : paletteSize <= 16 ? 4 : 8;
}

/**
 * The filtered scanlines: per row one filter-type byte, then the row packed at `depth` bits per
 * pixel. `auto` picks per row whichever of None, Sub and Up leaves the most zero bytes: in a flat
 * picture a row like the one above becomes all zeros, which compresses to almost nothing.
 */
export function scanlines(image: PaletteImage, depth: 1 | 2 | 4 | 8, filter: PngFilter = 'none'): Uint8Array {
	const { width, height, pixels } = image;
	const rowBytes = Math.ceil((width * depth) / 8);
	const stride = rowBytes + 1;
	const out = new Uint8Array(stride * height);
	let packed = new Uint8Array(rowBytes);
	let packedAbove = new Uint8Array(rowBytes);
	const perByte = 8 / depth;
	const mask = (1 << depth) - 1;
	for (let y = 0; y < height; y++) {
		let row: Uint8Array;
		let above: Uint8Array | undefined;
		if (depth === 8) {
			row = pixels.subarray(y * width, (y + 1) * width);
			above = y > 0 ? pixels.subarray((y - 1) * width, y * width) : undefined;
		} else {
			[packed, packedAbove] = [packedAbove, packed];
			packed.fill(0);
			const src = y * width;
			for (let x = 0; x < width; x++) packed[(x / perByte) | 0] |= (pixels[src + x] & mask) << (8 - depth * ((x % perByte) + 1));
			row = packed;
			above = y > 0 ? packedAbove : undefined;
		}
		const at = y * stride;
		let type = 0;
		if (filter === 'auto') {
			let none = 0;
			let sub = row[0] === 0 ? 1 : 0;
			let up = 0;
			for (let i = 0; i < rowBytes; i++) if (row[i] === 0) none++;
			for (let i = 1; i < rowBytes; i++) if (row[i] === row[i - 1]) sub++;
			if (above) for (let i = 0; i < rowBytes; i++) if (row[i] === above[i]) up++;
			type = up > none && up >= sub ? 2 : sub > none ? 1 : 0;
		}
		out[at] = type;
		if (type === 0) out.set(row, at + 1);
		else if (type === 1) {
			out[at + 1] = row[0];
			for (let i = 1; i < rowBytes; i++) out[at + 1 + i] = (row[i] - row[i - 1]) & 0xff;
		} else {
			for (let i = 0; i < rowBytes; i++) out[at + 1 + i] = (row[i] - above![i]) & 0xff;
		}
	}
	return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + data.length);
	const view = new DataView(out.buffer);
	view.setUint32(0, data.length);
	for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
	out.set(data, 8);
	view.setUint32(8 + data.length, crc32(out, 0, 4, 8 + data.length));
	return out;
}

/** Encodes an indexed-colour PNG: IHDR (colour type 3), PLTE, one IDAT, IEND. */
export function encodePng(image: PaletteImage, options: PngOptions = {}): Uint8Array {
	const { width, height, palette, pixels } = image;
	if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
		throw new RangeError(`PNG size must be positive whole numbers, got ${width}x${height}`);
	}
	if (pixels.length !== width * height) throw new RangeError(`PNG pixels: expected ${width * height}, got ${pixels.length}`);
	if (palette.length < 1 || palette.length > 256) throw new RangeError(`PNG palette: 1 to 256 colours, got ${palette.length}`);
	const depth = bitDepthFor(palette.length);

	const ihdr = new Uint8Array(13);
	const view = new DataView(ihdr.buffer);
	view.setUint32(0, width);
	view.setUint32(4, height);
	ihdr[8] = depth;
	ihdr[9] = 3; // colour type: palette
	// compression 0 (deflate), filter method 0, interlace 0: already zero

	const plte = new Uint8Array(palette.length * 3);
	palette.forEach(([r, g, b], i) => plte.set([r & 0xff, g & 0xff, b & 0xff], i * 3));

	const idat = zlibDeflate(scanlines(image, depth, options.filter ?? 'auto'), options.mode ?? 'auto');
	const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
	const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}
