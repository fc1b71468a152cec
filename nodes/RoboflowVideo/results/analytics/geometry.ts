/** Plane geometry for tracking and counting, in image coordinates (y grows downwards). Pure. */

export interface Point {
	x: number;
	y: number;
}

/** A box by its centre, as Roboflow gives it. */
export interface Box extends Point {
	width: number;
	height: number;
}

export interface Segment {
	from: Point;
	to: Point;
}

export function iou(a: Box, b: Box): number {
	return overlapAt(a.x, a.y, a.width, a.height, b);
}

/** IoU of a box given by its centre and size (no object made: it runs for every pair in every frame) and `b`. */
export function overlapAt(x: number, y: number, width: number, height: number, b: Box): number {
	const w = Math.min(x + width / 2, b.x + b.width / 2) - Math.max(x - width / 2, b.x - b.width / 2);
	if (w <= 0) return 0;
	const h = Math.min(y + height / 2, b.y + b.height / 2) - Math.max(y - height / 2, b.y - b.height / 2);
	if (h <= 0) return 0;
	const overlap = w * h;
	return overlap / (width * height + b.width * b.height - overlap);
}

/**
 * Which side of the line through `line` a point is on: `(x2-x1)*(cy-y1) - (y2-y1)*(cx-x1)`,
 * positive on one side, negative on the other, 0 on the line. Divided by the line's length it is
 * the signed distance in pixels.
 */
export function side(line: Segment, c: Point): number {
	return (line.to.x - line.from.x) * (c.y - line.from.y) - (line.to.y - line.from.y) * (c.x - line.from.x);
}

export function length(s: Segment): number {
	return Math.hypot(s.to.x - s.from.x, s.to.y - s.from.y);
}

/** Whether the move a -> b crosses the segment itself (not only the line it lies on). */
export function crossesSegment(line: Segment, a: Point, b: Point): boolean {
	const move: Segment = { from: a, to: b };
	const s1 = side(line, a);
	const s2 = side(line, b);
	const s3 = side(move, line.from);
	const s4 = side(move, line.to);
	return s1 * s2 <= 0 && s3 * s4 <= 0 && !(s1 === 0 && s2 === 0);
}

/** Even-odd rule: whether `p` is inside the polygon. */
export function insidePolygon(polygon: Point[], p: Point): boolean {
	let inside = false;
	for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
		const a = polygon[i];
		const b = polygon[j];
		if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
	}
	return inside;
}
