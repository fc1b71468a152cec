import { crc32 as zlibCrc32, inflateRawSync, inflateSync } from 'zlib';

import { ADVANCE, fontCharacters, glyphRow, GLYPH_HEIGHT } from '../../nodes/RoboflowVideo/results/timeline/font';
import { adler32, bitDepthFor, crc32, deflateRaw, encodePng, PNG_SIGNATURE, zlibDeflate, type DeflateMode, type PngFilter } from '../../nodes/RoboflowVideo/results/timeline/png';
import { Canvas, fitText, resampleMax, textWidth } from '../../nodes/RoboflowVideo/results/timeline/raster';
import { clock, MAX_CLASS_ROWS, timelinePng, timeTicks, type TimelineClass, type TimelineInput } from '../../nodes/RoboflowVideo/results/timeline/timelinePicture';

// ---------------------------------------------------------------- a PNG reader built on node's zlib

interface Chunk {
	type: string;
	data: Buffer;
	crcOk: boolean;
}

interface DecodedPng {
	chunks: Chunk[];
	width: number;
	height: number;
	depth: number;
	colourType: number;
	palette: Array<[number, number, number]>;
	/** The inflated IDAT: filter byte + packed row, per row. */
	raw: Buffer;
	/** One palette index per pixel, after undoing the filters and the packing. */
	pixels: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
	const p = a + b - c;
	const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reads a PNG with node's zlib (inflate, CRC-32) and a filter decoder written from the PNG spec. */
function decodePng(bytes: Uint8Array): DecodedPng {
	const b = Buffer.from(bytes);
	expect([...b.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
	const chunks: Chunk[] = [];
	for (let at = 8; at < b.length; ) {
		const length = b.readUInt32BE(at);
		const type = b.toString('latin1', at + 4, at + 8);
		const data = b.subarray(at + 8, at + 8 + length);
		const crcOk = zlibCrc32(b.subarray(at + 4, at + 8 + length)) === b.readUInt32BE(at + 8 + length);
		chunks.push({ type, data, crcOk });
		at += 12 + length;
	}
	const ihdr = chunks[0].data;
	const [width, height, depth, colourType] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]];
	const plte = chunks.find((c) => c.type === 'PLTE')!.data;
	const palette = Array.from({ length: plte.length / 3 }, (_, i) => [plte[3 * i], plte[3 * i + 1], plte[3 * i + 2]] as [number, number, number]);
	const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
	const rowBytes = Math.ceil((width * depth) / 8);
	const pixels = new Uint8Array(width * height);
	let above = new Uint8Array(rowBytes);
	for (let y = 0; y < height; y++) {
		const type = raw[y * (rowBytes + 1)];
		const row = new Uint8Array(rowBytes);
		for (let i = 0; i < rowBytes; i++) {
			const x = raw[y * (rowBytes + 1) + 1 + i];
			const a = i > 0 ? row[i - 1] : 0;
			const c = i > 0 ? above[i - 1] : 0;
			const b = above[i];
			const predictor = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
			row[i] = (x + predictor) & 0xff;
		}
		for (let x = 0; x < width; x++) {
			const bit = x * depth;
			pixels[y * width + x] = (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
		}
		above = row;
	}
	return { chunks, width, height, depth, colourType, palette, raw, pixels };
}

/** The first index where two byte arrays differ (-1: none; a length difference counts). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
	return a.length === b.length ? -1 : n;
}

/** Checks everything a viewer checks: signature, chunk order and CRCs, IHDR, the IDAT's size. */
function expectValidPng(bytes: Uint8Array, width?: number): DecodedPng {
	const png = decodePng(bytes);
	expect(png.chunks.map((c) => c.type)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
	expect(png.chunks.every((c) => c.crcOk)).toBe(true);
	expect(png.colourType).toBe(3);
	expect([1, 2, 4, 8]).toContain(png.depth);
	expect(png.palette.length).toBeLessThanOrEqual(2 ** png.depth);
	expect(png.raw.length).toBe(png.height * (1 + Math.ceil((png.width * png.depth) / 8)));
	expect(png.pixels.reduce((max, p) => Math.max(max, p), 0)).toBeLessThan(png.palette.length);
	if (width !== undefined) expect(png.width).toBe(width);
	return png;
}

// ---------------------------------------------------------------- inputs

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed = 1): Uint8Array {
	const out = new Uint8Array(n);
	let s = seed >>> 0;
	for (let i = 0; i < n; i++) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		out[i] = s >>> 24;
	}
	return out;
}

/** Flat picture-like bytes: rows of `stride` made of long runs, most rows repeating the one above. */
function flatBytes(n: number, stride = 1201): Uint8Array {
	const out = new Uint8Array(n);
	for (let i = 0; i < n; i++) {
		const x = i % stride;
		const y = Math.floor(i / stride);
		out[i] = x === 0 ? 0 : Math.floor(x / 97) % 3 === 0 && y % 40 < 18 ? 7 + (Math.floor(y / 40) % 12) : 0;
	}
	return out;
}

const INPUTS: Array<[string, Uint8Array]> = [
	['empty', new Uint8Array(0)],
	['one byte', Uint8Array.of(42)],
	['two bytes', Uint8Array.of(1, 2)],
	['three equal bytes', Uint8Array.of(9, 9, 9)],
	['random 100', randomBytes(100)],
	['random 5,000', randomBytes(5000, 2)],
	['random 70,000 (two stored blocks)', randomBytes(70000, 3)],
	['random 200,000 (four stored blocks)', randomBytes(200000, 4)],
	['zeros 1,000', new Uint8Array(1000)],
	['zeros 100,000', new Uint8Array(100000)],
	['flat 10,000', flatBytes(10000)],
	['flat 300,000', flatBytes(300000)],
	['text 66,000', new TextEncoder().encode('the quick brown fox jumps over the lazy dog. '.repeat(1500))],
	['a period of 40,000 (beyond the 32 KiB window)', (() => {
		const unit = randomBytes(40000, 5);
		const out = new Uint8Array(120000);
		for (let i = 0; i < out.length; i++) out[i] = unit[i % unit.length];
		return out;
	})()],
];

// ---------------------------------------------------------------- checksums

describe('checksums', () => {
	it.each([
		['123456789', 0xcbf43926],
		['', 0],
		['a', 0xe8b7be43],
		['The quick brown fox jumps over the lazy dog', 0x414fa339],
	])('CRC-32 of %j is %s', (text, expected) => {
		expect(crc32(new TextEncoder().encode(text))).toBe(expected);
	});

	it.each(INPUTS)('CRC-32 of %s equals zlib.crc32, whole and in two calls', (_, data) => {
		const half = data.length >> 1;
		expect(crc32(data)).toBe(zlibCrc32(data));
		expect(crc32(data, crc32(data, 0, 0, half), half)).toBe(zlibCrc32(data));
	});

	it.each([
		['Wikipedia', 0x11e60398],
		['', 1],
		['a', 0x00620062],
		['abc', 0x024d0127],
	])('Adler-32 of %j is %s', (text, expected) => {
		expect(adler32(new TextEncoder().encode(text))).toBe(expected);
	});

	it.each([
		['100,000 bytes of 255 (sums that overflow 32 bits without the modulo)', new Uint8Array(100000).fill(255)],
		['random 70,000', randomBytes(70000, 6)],
	])('Adler-32 of %s equals a modulo-every-byte computation', (_, data) => {
		let a = 1;
		let b = 0;
		for (const byte of data) {
			a = (a + byte) % 65521;
			b = (b + a) % 65521;
		}
		expect(adler32(data)).toBe(((b << 16) | a) >>> 0);
	});
});

// ---------------------------------------------------------------- deflate

/** The block types (BTYPE) of a raw deflate stream's first block. */
const firstBlockType = (raw: Uint8Array) => (raw[0] >> 1) & 3;

describe('zlib stream: every mode inflates back to the input', () => {
	const MODES: DeflateMode[] = ['auto', 'fixed', 'stored'];
	const cases = INPUTS.flatMap(([name, data]) => MODES.map((mode) => [name, mode, data] as const));

	it.each(cases)('%s, %s blocks', (_, mode, data) => {
		const z = zlibDeflate(data, mode);
		expect((z[0] * 256 + z[1]) % 31).toBe(0);
		expect(z[0] & 0x0f).toBe(8); // deflate
		expect(Buffer.from(inflateSync(z)).equals(Buffer.from(data))).toBe(true);
		expect(Buffer.from(z.subarray(z.length - 4)).readUInt32BE(0)).toBe(adler32(data));
		expect(Buffer.from(inflateRawSync(deflateRaw(data, mode))).equals(Buffer.from(data))).toBe(true);
	});

	it.each(INPUTS.filter(([, d]) => d.length > 0))('%s: fixed mode writes a fixed-Huffman block, stored mode a stored one', (_, data) => {
		expect(firstBlockType(deflateRaw(data, 'fixed'))).toBe(1);
		expect(firstBlockType(deflateRaw(data, 'stored'))).toBe(0);
	});

	it('stored blocks hold at most 65,535 bytes: 200,000 bytes take four, each 5 bytes of header', () => {
		expect(deflateRaw(randomBytes(200000), 'stored').length).toBe(200000 + 4 * 5);
	});

	it('auto mode stores random bytes (never larger than stored) and compresses flat ones', () => {
		const random = randomBytes(200000, 7);
		expect(deflateRaw(random, 'auto').length).toBe(deflateRaw(random, 'stored').length);
		expect(deflateRaw(random, 'fixed').length).toBeGreaterThan(random.length);
		const flat = flatBytes(300000);
		expect(firstBlockType(deflateRaw(flat, 'auto'))).toBe(1);
		expect(deflateRaw(flat, 'auto').length).toBeLessThan(flat.length / 50);
	});
});

// ---------------------------------------------------------------- PNG

const PALETTE_32 = Array.from({ length: 32 }, (_, i) => [i * 8, 255 - i * 8, (i * 37) % 256] as [number, number, number]);

describe('PNG of a palette image', () => {
	it('a tiny canvas with known rectangles decodes to the same palette indexes, at 8 bits per pixel', () => {
		const canvas = new Canvas(7, 5, 0);
		canvas.fillRect(1, 1, 3, 2, 5);
		canvas.fillRect(5, 0, 10, 10, 31); // clipped at the right and bottom edges
		canvas.fillRect(-3, 4, 5, 1, 2); // clipped at the left edge
		const expected = [
			[0, 0, 0, 0, 0, 31, 31],
			[0, 5, 5, 5, 0, 31, 31],
			[0, 5, 5, 5, 0, 31, 31],
			[0, 0, 0, 0, 0, 31, 31],
			[2, 2, 0, 0, 0, 31, 31],
		];
		expect([...canvas.pixels]).toEqual(expected.flat());
		const png = expectValidPng(encodePng({ width: 7, height: 5, palette: PALETTE_32, pixels: canvas.pixels }));
		expect([png.width, png.height, png.depth]).toEqual([7, 5, 8]);
		expect(png.raw.length).toBe(5 * (1 + 7));
		expect([...png.pixels]).toEqual(expected.flat());
		expect(png.palette).toEqual(PALETTE_32);
	});

	const FILTERS: PngFilter[] = ['none', 'auto'];
	const SIZES: Array<[number, number]> = [[1, 1], [3, 2], [8, 8], [13, 7], [300, 200]];
	const PALETTE_SIZES = [1, 2, 3, 4, 5, 16, 17, 256];
	const cases = PALETTE_SIZES.flatMap((colours) => SIZES.flatMap(([w, h]) => FILTERS.map((filter) => [colours, w, h, filter] as const)));

	it.each(cases)('%i colours, %ix%i, filter %s: the smallest bit depth, and every pixel back', (colours, width, height, filter) => {
		const pixels = new Uint8Array(width * height);
		const noise = randomBytes(width * height, width * 31 + height);
		// Flat blocks with some noise, so every filter type gets chosen somewhere.
		for (let i = 0; i < pixels.length; i++) pixels[i] = (i % 11 === 0 ? noise[i] : Math.floor((i % width) / 5) + Math.floor(i / width / 4)) % colours;
		const palette = Array.from({ length: colours }, (_, i) => [i, i, i] as [number, number, number]);
		const png = expectValidPng(encodePng({ width, height, palette, pixels }, { filter }));
		expect(png.depth).toBe(bitDepthFor(colours));
		expect(png.depth).toBe(colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8);
		expect(firstDifference(png.pixels, pixels)).toBe(-1);
	});

	it.each([
		['width 0', { width: 0, height: 1, palette: PALETTE_32, pixels: new Uint8Array(0) }],
		['pixels of the wrong length', { width: 2, height: 2, palette: PALETTE_32, pixels: new Uint8Array(3) }],
		['no colours', { width: 1, height: 1, palette: [], pixels: new Uint8Array(1) }],
		['257 colours', { width: 1, height: 1, palette: Array.from({ length: 257 }, () => [0, 0, 0] as [number, number, number]), pixels: new Uint8Array(1) }],
	])('refuses %s', (_, image) => {
		expect(() => encodePng(image)).toThrow(RangeError);
	});

	it('starts with the PNG signature', () => {
		const png = encodePng({ width: 1, height: 1, palette: [[0, 0, 0]], pixels: new Uint8Array(1) });
		expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
	});
});

// ---------------------------------------------------------------- font and canvas

describe('font and canvas', () => {
	it('the font has a glyph of its own for every character from 32 to 126, and all but space have ink', () => {
		const chars = fontCharacters();
		expect(chars).toBe(Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''));
		for (const char of chars.slice(1)) {
			const ink = Array.from({ length: GLYPH_HEIGHT }, (_, y) => glyphRow(char.charCodeAt(0), y)).some((row) => row !== 0);
			expect([char, ink]).toEqual([char, true]);
		}
	});

	const drawn = (text: string, scale = 1) => {
		const canvas = new Canvas(80, 20, 0);
		const end = canvas.text(1, 1, text, 1, scale);
		return { pixels: [...canvas.pixels], end };
	};

	it.each([['é'], ['\u00df'], ['🚗'], ['\u0000'], ['\n'], ['\u2028'], ['中']])('%j draws as one visible "?"', (char) => {
		expect(drawn(char)).toEqual(drawn('?'));
		expect(drawn(`a${char}b`)).toEqual(drawn('a?b'));
		expect(drawn('?').pixels.some((p) => p === 1)).toBe(true);
	});

	it('text scales by whole numbers and reports where it ends', () => {
		expect(drawn('Hi', 1).end).toBe(1 + textWidth('Hi', 1));
		expect(drawn('Hi', 2).end).toBe(1 + textWidth('Hi', 2));
		expect(drawn('Hi', 2).pixels.filter((p) => p === 1).length).toBe(4 * drawn('Hi', 1).pixels.filter((p) => p === 1).length);
		expect(textWidth('abc', 2)).toBe((3 * ADVANCE - 1) * 2);
		expect(textWidth('', 3)).toBe(0);
	});

	it.each([
		['short', 100, 1, 'short'],
		['exactly fits', textWidth('exactly fits'), 1, 'exactly fits'],
		['a-very-long-class-name', textWidth('a-very-long'), 1, 'a-very-l...'],
		['a-very-long-class-name', textWidth('a-very-long', 2), 2, 'a-very-l...'],
		['Straße café 🚗🚗', textWidth('Straße ca'), 1, 'Straße...'],
		['abcdef', 12, 1, 'ab'],
		['abcdef', 0, 1, ''],
	])('fitText(%j, %i px, scale %i) is %j', (text, width, scale, expected) => {
		expect(fitText(text, width, scale)).toBe(expected);
		expect(textWidth(fitText(text, width, scale), scale)).toBeLessThanOrEqual(Math.max(width, 0));
	});

	it.each([
		['stretched: each value repeats', [1, 3, 2], 6, [1, 1, 3, 3, 2, 2]],
		['squeezed: each column keeps the largest value it covers', [0, 5, 0, 0, 1, 0, 2, 0], 4, [5, 0, 1, 2]],
		['not finite or negative count as 0', [NaN, -2, Infinity, 4], 4, [0, 0, 0, 4]],
		['no values', [], 3, [0, 0, 0]],
		['no columns', [1, 2], 0, []],
	])('resampleMax: %s', (_, values, columns, expected) => {
		expect([...resampleMax(values, columns)]).toEqual(expected);
	});

	it('draws nothing, and does not throw, for NaN or off-canvas coordinates', () => {
		const canvas = new Canvas(10, 10, 0);
		canvas.fillRect(NaN, 0, 5, 5, 1);
		canvas.fillRect(20, 20, 5, 5, 1);
		canvas.line(NaN, 0, 5, 5, 1);
		canvas.hline(-50, -10, 3, 1);
		canvas.vline(3, 50, 60, 1);
		canvas.text(200, 0, 'off to the right', 1, 2);
		canvas.text(-500, 0, 'off to the left', 1, 2);
		canvas.stepSeries([1, 2, NaN], 0, 0, 10, 10, NaN, 1, 1);
		canvas.stepSeries([1, 2], 0, 0, 10, 10, 0, 1, 1);
		expect(canvas.pixels.every((p) => p === 0)).toBe(true);
		canvas.line(-5, -5, 20, 20, 1);
		expect(Array.from({ length: 10 }, (_, i) => canvas.pixels[i * 10 + i])).toEqual(new Array(10).fill(1));
	});

	it('the step chart fills up to each value, scaled to the maximum, one column per value', () => {
		const canvas = new Canvas(4, 4, 0);
		canvas.stepSeries([0, 2, 4, 1], 0, 0, 4, 4, 4, 1, 2);
		const heights = [0, 1, 2, 3].map((x) => [0, 1, 2, 3].filter((y) => canvas.pixels[y * 4 + x] !== 0).length);
		expect(heights).toEqual([0, 2, 4, 1]);
	});
});

// ---------------------------------------------------------------- the timeline picture

function ramp(n: number, peak: number): number[] {
	return Array.from({ length: n }, (_, i) => Math.round(peak * Math.abs(Math.sin(i / 7))));
}

function aClass(name: string, seconds: number, overrides: Partial<TimelineClass> = {}): TimelineClass {
	return {
		model: 'coco/3',
		name,
		appearances: [
			{ start: seconds * 0.1, end: seconds * 0.3 },
			{ start: seconds * 0.5, end: seconds * 0.55 },
		],
		counts: ramp(600, 4),
		uniqueObjects: 12,
		peakCount: 4,
		...overrides,
	};
}

const TYPICAL: TimelineInput = {
	jobId: 'job-7f3c2a91-5d1e-4b8a-9c0f-2e6d4a1b8c37',
	videoSeconds: 1200,
	line: { in: 134, out: 129 },
	classes: [aClass('car', 1200), aClass('truck', 1200, { peakCount: 2, counts: ramp(600, 2) }), aClass('person', 1200, { model: 'people/2' })],
};

const BLUE: [number, number, number] = [0x1f, 0x77, 0xb4]; // the first class's colour
const LANE: [number, number, number] = [0xf0, 0xf2, 0xf5]; // the empty part of a bar

const indexOf = (png: DecodedPng, rgb: [number, number, number]) => png.palette.findIndex((c) => c.every((v, i) => v === rgb[i]));

describe('timelinePng', () => {
	const EDGE_CASES: Array<[string, TimelineInput]> = [
		['3 classes over 20 minutes with a counting line', TYPICAL],
		['no classes', { jobId: 'j', videoSeconds: 42, classes: [] }],
		['no classes and no length', { jobId: '', videoSeconds: 0, classes: [] }],
		['videoSeconds 0 with appearances', { jobId: 'j', videoSeconds: 0, classes: [aClass('car', 30)] }],
		['videoSeconds NaN', { jobId: 'j', videoSeconds: NaN, classes: [aClass('car', 30)] }],
		['a 10-hour video', { jobId: 'j', videoSeconds: 36000, classes: [aClass('person', 36000, { counts: ramp(36000, 3) })] }],
		['a 0.4-second video', { jobId: 'j', videoSeconds: 0.4, classes: [aClass('person', 0.4)] }],
		['counts much longer than the picture is wide (100,000 bins)', { jobId: 'j', videoSeconds: 600, classes: [aClass('car', 600, { counts: ramp(100000, 9) })] }],
		['counts shorter than the picture is wide (3 bins)', { jobId: 'j', videoSeconds: 600, classes: [aClass('car', 600, { counts: [1, 0, 2] })] }],
		['no counts', { jobId: 'j', videoSeconds: 600, classes: [aClass('car', 600, { counts: [] })] }],
		['counts above the peak, NaN and negative counts', { jobId: 'j', videoSeconds: 60, classes: [aClass('car', 60, { counts: [NaN, -1, 50, 2], peakCount: 2 })] }],
		['a peak of 0 with zero counts', { jobId: 'j', videoSeconds: 60, classes: [aClass('car', 60, { counts: [0, 0], peakCount: 0, uniqueObjects: 0 })] }],
		['appearances past the end, reversed, NaN, and zero-length', {
			jobId: 'j',
			videoSeconds: 60,
			classes: [aClass('car', 60, { appearances: [{ start: -5, end: 2 }, { start: 30, end: 10 }, { start: NaN, end: 3 }, { start: 40, end: 40 }, { start: 55, end: 500 }] })],
		}],
		['long and non-ASCII class names, a long model id and job id', {
			jobId: 'x'.repeat(500),
			videoSeconds: 60,
			line: { in: 1e9, out: NaN },
			classes: [aClass('a-very-long-class-name-'.repeat(20), 60, { model: 'm'.repeat(300) }), aClass('Straße café 🚗 中文', 60)],
		}],
		['15 classes', { jobId: 'j', videoSeconds: 300, classes: Array.from({ length: 15 }, (_, i) => aClass(`class ${i}`, 300)) }],
	];

	it.each(EDGE_CASES)('%s: a valid PNG 1200 pixels wide', (_, input) => {
		const png = expectValidPng(timelinePng(input), 1200);
		expect(png.height).toBeGreaterThan(50);
		expect(png.height).toBeLessThan(1400);
	});

	it('no classes: no class colours at all, and a short picture', () => {
		const png = expectValidPng(timelinePng({ jobId: 'j', videoSeconds: 42, classes: [] }), 1200);
		expect(png.pixels.includes(indexOf(png, BLUE))).toBe(false);
		expect(png.height).toBeLessThan(200);
	});

	it('the height grows with the number of classes, up to the row limit; more classes add only a note', () => {
		const heightFor = (n: number) => decodePng(timelinePng({ jobId: 'j', videoSeconds: 60, classes: Array.from({ length: n }, (_, i) => aClass(`c${i}`, 60)) })).height;
		const heights = Array.from({ length: MAX_CLASS_ROWS }, (_, i) => heightFor(i + 1));
		for (let i = 1; i < heights.length; i++) expect(heights[i]).toBeGreaterThan(heights[i - 1]);
		expect(heightFor(MAX_CLASS_ROWS + 1)).toBeGreaterThan(heightFor(MAX_CLASS_ROWS));
		expect(heightFor(MAX_CLASS_ROWS + 30)).toBe(heightFor(MAX_CLASS_ROWS + 1));
	});

	it('each shown class gets its own colour', () => {
		const png = decodePng(timelinePng({ jobId: 'j', videoSeconds: 60, classes: Array.from({ length: 12 }, (_, i) => aClass(`c${i}`, 60)) }));
		const colours = new Set(png.palette.map((c) => c.join(',')));
		expect(colours.size).toBe(png.palette.length);
		// Each row's swatch, at the left edge, has a colour no other row has.
		const swatches = new Set<number>();
		for (let y = 0; y < png.height; y++) {
			const p = png.pixels[y * png.width + 20];
			if (p !== png.pixels[0]) swatches.add(p);
		}
		expect(swatches.size).toBeGreaterThanOrEqual(12);
	});

	it('the bar is coloured where the class was present: the first 50% of the video, in a lane that spans the chart', () => {
		const png = decodePng(timelinePng({ jobId: 'j', videoSeconds: 1000, classes: [aClass('car', 1000, { appearances: [{ start: 0, end: 500 }] })] }));
		const [blue, lane] = [indexOf(png, BLUE), indexOf(png, LANE)];
		// The bar's row: the first row with both the class colour and the empty lane colour in it.
		const y = Array.from({ length: png.height }, (_, r) => r).find((r) => {
			const row = png.pixels.subarray(r * png.width, (r + 1) * png.width);
			return row.includes(blue) && row.includes(lane);
		})!;
		expect(y).toBeDefined();
		const row = [...png.pixels.subarray(y * png.width, (y + 1) * png.width)];
		const chartStart = row.findIndex((p, x) => x > 100 && (p === blue || p === lane));
		const chartEnd = row.length - [...row].reverse().findIndex((p) => p === lane || p === blue);
		const blueEnd = row.length - [...row].reverse().findIndex((p) => p === blue);
		expect(row[chartStart]).toBe(blue);
		const fraction = (blueEnd - chartStart) / (chartEnd - chartStart);
		expect(fraction).toBeGreaterThan(0.49);
		expect(fraction).toBeLessThan(0.52);
	});

	it('a typical picture (3 classes, 20 minutes, 600 bins, a counting line) is small, and so is one with 12 classes', () => {
		expect(timelinePng(TYPICAL).length).toBeLessThan(60 * 1024);
		const twelve = { ...TYPICAL, classes: Array.from({ length: 12 }, (_, i) => aClass(`class ${i}`, 1200, { counts: ramp(600, 1 + (i % 5)) })) };
		expect(timelinePng(twelve).length).toBeLessThan(60 * 1024);
	});

	it('other widths are clamped to 480..4096', () => {
		expect(decodePng(timelinePng(TYPICAL, 100)).width).toBe(480);
		expect(decodePng(timelinePng(TYPICAL, 1e9)).width).toBe(4096);
		expect(decodePng(timelinePng(TYPICAL, 800.7)).width).toBe(800);
	});
});

describe('the picture\'s words', () => {
	it.each([
		[0, '0:00:00'],
		[59.6, '0:01:00'],
		[1200, '0:20:00'],
		[36000, '10:00:00'],
		[NaN, '0:00:00'],
	])('clock(%s) is %s', (seconds, expected) => {
		expect(clock(seconds)).toBe(expected);
	});

	it.each([
		[1200, 8, ['0', '5 min', '10 min', '15 min', '20 min']],
		[36000, 8, ['0', '2 h', '4 h', '6 h', '8 h', '10 h']],
		[45, 8, ['0', '10s', '20s', '30s', '40s']],
		[0.4, 8, ['0', '0.1s', '0.2s', '0.3s', '0.4s']],
		[317, 8, ['0', '1 min', '2 min', '3 min', '4 min', '5 min']],
		[0, 8, ['0', '0.2s', '0.4s', '0.6s', '0.8s', '1s']],
		[3600 * 500, 8, ['0', '96 h', '192 h', '288 h', '384 h', '480 h']],
	])('ticks over %s s (at most %i): %j', (seconds, most, labels) => {
		const ticks = timeTicks(seconds, most);
		expect(ticks.map((t) => t.label)).toEqual(labels);
		expect(ticks.length).toBeLessThanOrEqual(most);
	});
});
