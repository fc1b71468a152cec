import type { Point } from '../results/analytics/geometry';
import type { Shape } from '../results/analytics/analytics';

/**
 * Reads the Counting Line and Zone parameters: points written as numbers, in pixels, or as
 * fractions of the frame when every coordinate is between 0 and 1. Pure; a problem is returned
 * in words that say how to write it.
 */

function numbersIn(text: string): number[] | undefined {
	const parts = text
		.trim()
		.split(/[\s,;]+/)
		.filter(Boolean);
	const numbers = parts.map(Number);
	return numbers.every(Number.isFinite) ? numbers : undefined;
}

function shapeOf(numbers: number[]): Shape {
	const points: Point[] = [];
	for (let i = 0; i < numbers.length; i += 2) points.push({ x: numbers[i], y: numbers[i + 1] });
	return { points, relative: numbers.every((n) => n >= 0 && n <= 1) };
}

export function parseCountingLine(text: string): { shape: Shape } | { problem: string } {
	const numbers = numbersIn(text);
	if (!numbers || numbers.length !== 4) {
		return { problem: `Counting Line "${text.slice(0, 60)}" is not two points` };
	}
	if (numbers.some((n) => n < 0)) return { problem: `Counting Line "${text.slice(0, 60)}" has a negative coordinate` };
	const shape = shapeOf(numbers);
	const [a, b] = shape.points;
	if (a.x === b.x && a.y === b.y) return { problem: `Counting Line "${text.slice(0, 60)}" starts and ends at the same point` };
	return { shape };
}

export function parseZone(text: string): { shape: Shape } | { problem: string } {
	const numbers = numbersIn(text);
	if (!numbers || numbers.length % 2 !== 0 || numbers.length < 6) {
		return { problem: `Zone "${text.slice(0, 60)}" is not a polygon of three or more points` };
	}
	if (numbers.some((n) => n < 0)) return { problem: `Zone "${text.slice(0, 60)}" has a negative coordinate` };
	return { shape: shapeOf(numbers) };
}

export const SHAPE_HINT =
	'Write x,y of each point in pixels (e.g. 0,540,1920,540 for a line across a 1080p frame at mid-height), or as fractions of the frame (e.g. 0,0.5,1,0.5). A zone lists three or more points separated by spaces: 100,100 500,100 500,400.';
