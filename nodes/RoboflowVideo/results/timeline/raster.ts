/**
 * A palette canvas: one byte per pixel holding a palette index. Rectangles, lines, a series as
 * a filled step chart, and text in the bitmap font of font.ts. Every drawing call clips to the
 * canvas and accepts any numbers (fractions are floored, NaN draws nothing). Pure.
 */

import { ADVANCE, drawableCode, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRow } from './font';

/** Width in pixels of `text` drawn at `scale` (no trailing blank column). */
export function textWidth(text: string, scale = 1): number {
	const n = [...text].length;
	return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** `text`, cut to fit `maxWidth` pixels at `scale` and ended with "..." when it had to be cut. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
	const chars = [...text];
	const fits = Math.max(0, Math.floor((maxWidth + scale) / (ADVANCE * scale)));
	if (chars.length <= fits) return text;
	if (fits <= 3) return chars.slice(0, fits).join(''); // no room for "..." and a letter
	return chars.slice(0, fits - 3).join('').trimEnd() + '...';
}

/**
 * `values` squeezed or stretched to `columns` columns: each column takes the largest value among
 * the values it covers, so a short peak is never lost when there are more values than columns.
 * Values that are not finite, or below 0, count as 0.
 */
export function resampleMax(values: readonly number[], columns: number): Float64Array {
	const out = new Float64Array(Math.max(0, Math.floor(columns)));
	const n = values.length;
	if (n === 0) return out;
	for (let c = 0; c < out.length; c++) {
		const from = Math.floor((c * n) / out.length);
		const to = Math.max(from + 1, Math.floor(((c + 1) * n) / out.length));
		let max = 0;
		for (let i = from; i < to && i < n; i++) {
			const v = values[i];
			if (Number.isFinite(v) && v > max) max = v;
		}
		out[c] = max;
	}
	return out;
}

export class Canvas {
	readonly pixels: Uint8Array;

	constructor(
		readonly width: number,
		readonly height: number,
		background = 0,
	) {
		this.pixels = new Uint8Array(width * height).fill(background);
	}

	/** Fills the rectangle [x, x + w) x [y, y + h). */
	fillRect(x: number, y: number, w: number, h: number, color: number): void {
		const x0 = Math.max(0, Math.floor(x));
		const y0 = Math.max(0, Math.floor(y));
		const x1 = Math.min(this.width, Math.floor(x + w));
		const y1 = Math.min(this.height, Math.floor(y + h));
		if (!(x1 > x0 && y1 > y0)) return; // also false for NaN
		for (let row = y0; row < y1; row++) this.pixels.fill(color, row * this.width + x0, row * this.width + x1);
	}

	/** A horizontal line from x0 to x1 inclusive at row y, `thickness` rows down from y. */
	hline(x0: number, x1: number, y: number, color: number, thickness = 1): void {
		const [a, b] = x0 <= x1 ? [x0, x1] : [x1, x0];
		this.fillRect(a, y, Math.floor(b) - Math.floor(a) + 1, thickness, color);
	}

	/** A vertical line from y0 to y1 inclusive at column x, `thickness` columns right from x. */
	vline(x: number, y0: number, y1: number, color: number, thickness = 1): void {
		const [a, b] = y0 <= y1 ? [y0, y1] : [y1, y0];
		this.fillRect(x, a, thickness, Math.floor(b) - Math.floor(a) + 1, color);
	}

	setPixel(x: number, y: number, color: number): void {
		const px = Math.floor(x);
		const py = Math.floor(y);
		if (px >= 0 && py >= 0 && px < this.width && py < this.height) this.pixels[py * this.width + px] = color;
	}

	/** A straight line between two points (Bresenham), both ends included. */
	line(x0: number, y0: number, x1: number, y1: number, color: number): void {
		if (![x0, y0, x1, y1].every(Number.isFinite)) return;
		let x = Math.floor(x0);
		let y = Math.floor(y0);
		const xEnd = Math.floor(x1);
		const yEnd = Math.floor(y1);
		const dx = Math.abs(xEnd - x);
		const dy = -Math.abs(yEnd - y);
		const sx = x < xEnd ? 1 : -1;
		const sy = y < yEnd ? 1 : -1;
		let err = dx + dy;
		for (;;) {
			this.setPixel(x, y, color);
			if (x === xEnd && y === yEnd) return;
			const e2 = 2 * err;
			if (e2 >= dy) {
				err += dy;
				x += sx;
			}
			if (e2 <= dx) {
				err += dx;
				y += sy;
			}
		}
	}

	/** Straight lines through the points in order. */
	polyline(points: ReadonlyArray<readonly [number, number]>, color: number): void {
		for (let i = 1; i < points.length; i++) this.line(points[i - 1][0], points[i - 1][1], points[i][0], points[i][1], color);
	}

	/**
	 * `values` as a filled step chart in the box (x, y, w, h): one column per pixel (resampled with
	 * resampleMax), height proportional to value / max, `fill` below a 1-pixel `stroke` outline.
	 * A value above 0 is at least one pixel high; values at or below 0 draw nothing.
	 */
	stepSeries(values: readonly number[], x: number, y: number, w: number, h: number, max: number, stroke: number, fill: number): void {
		const left = Math.floor(x);
		const top = Math.floor(y);
		const height = Math.floor(h);
		const columns = resampleMax(values, Math.floor(w));
		if (!(height > 0) || !(max > 0) || !Number.isFinite(max)) return;
		const bottom = top + height - 1;
		let previousTop = -1; // row of the previous column's outline, -1 when it drew nothing
		for (let c = 0; c < columns.length; c++) {
			const v = Math.min(columns[c], max);
			const px = v > 0 ? Math.max(1, Math.round((v / max) * height)) : 0;
			const rowTop = bottom - px + 1;
			if (px > 0) {
				this.vline(left + c, rowTop + 1, bottom, fill);
				this.setPixel(left + c, rowTop, stroke);
			}
			// Joins this column's outline to the previous one's with a vertical stroke.
			const thisTop = px > 0 ? rowTop : -1;
			if (previousTop !== thisTop) {
				const a = previousTop < 0 ? bottom + 1 : previousTop;
				const b = thisTop < 0 ? bottom + 1 : thisTop;
				const edge = previousTop >= 0 && (thisTop < 0 || thisTop > previousTop) ? c - 1 : c;
				this.vline(left + edge, Math.min(a, b), Math.min(Math.max(a, b), bottom), stroke);
			}
			previousTop = thisTop;
		}
		if (previousTop >= 0) this.vline(left + columns.length - 1, previousTop, bottom, stroke);
	}

	/**
	 * Draws `text` with its top-left corner at (x, y) (the top of the 9-row glyph cell), each font
	 * pixel `scale` pixels square. Characters outside printable ASCII draw as '?'.
	 * Returns the x just after the text.
	 */
	text(x: number, y: number, text: string, color: number, scale = 1): number {
		const s = Math.max(1, Math.floor(scale));
		let cx = Math.floor(x);
		const top = Math.floor(y);
		for (const char of text) {
			const code = drawableCode(char.codePointAt(0) ?? 0);
			if (cx >= this.width) break;
			if (cx + GLYPH_WIDTH * s > 0) {
				for (let row = 0; row < GLYPH_HEIGHT; row++) {
					const mask = glyphRow(code, row);
					if (mask === 0) continue;
					for (let col = 0; col < GLYPH_WIDTH; col++) {
						if (mask & (1 << (GLYPH_WIDTH - 1 - col))) this.fillRect(cx + col * s, top + row * s, s, s, color);
					}
				}
			}
			cx += ADVANCE * s;
		}
		return cx - s;
	}
}
