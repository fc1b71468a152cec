/**
 * The timeline picture attached to the Summary: per detected class, when it was in view and how
 * many were in view at once, over the length of the video, as a PNG (chat apps, Drive and mail
 * preview PNG inline, not SVG). Pure: the data in, the PNG's bytes out.
 */

import { CAP_HEIGHT, GLYPH_HEIGHT } from './font';
import { encodePng } from './png';
import { Canvas, fitText, textWidth } from './raster';

export interface TimelineClass {
	/** Model id. */
	model: string;
	/** Class name. */
	name: string;
	/** Seconds, sorted, non-overlapping. */
	appearances: Array<{ start: number; end: number }>;
	/** Max number of objects of this class in view per bin; bins split [0, videoSeconds] evenly. */
	counts: number[];
	uniqueObjects: number;
	peakCount: number;
}

export interface TimelineInput {
	jobId: string;
	videoSeconds: number;
	classes: TimelineClass[];
	/** Counting line totals over all classes, when a counting line was set. */
	line?: { in: number; out: number };
}

/** At most this many classes get a row; the rest are counted in a note. */
export const MAX_CLASS_ROWS = 12;
export const MIN_WIDTH = 480;
export const MAX_WIDTH = 4096;

// ---------------------------------------------------------------- palette

const BACKGROUND = 0;
const TEXT = 1;
const MUTED = 2;
const GRID = 3;
const AXIS = 4;
const LANE = 5;
const PANEL = 6;

const BASE_COLOURS: Array<[number, number, number]> = [
	[0xff, 0xff, 0xff], // background
	[0x1f, 0x23, 0x28], // text
	[0x57, 0x60, 0x6a], // muted text
	[0xe1, 0xe5, 0xea], // grid lines
	[0x8c, 0x95, 0x9f], // axis
	[0xf0, 0xf2, 0xf5], // empty lane
	[0xf6, 0xf8, 0xfa], // panel
];

/** One colour per class row, chosen to stay apart from each other and readable on white. */
const CLASS_COLOURS: Array<[number, number, number]> = [
	[0x1f, 0x77, 0xb4], // blue
	[0xff, 0x7f, 0x0e], // orange
	[0x2c, 0xa0, 0x2c], // green
	[0xd6, 0x27, 0x28], // red
	[0x94, 0x67, 0xbd], // purple
	[0x8c, 0x56, 0x4b], // brown
	[0xe3, 0x77, 0xc2], // pink
	[0x17, 0xbe, 0xcf], // cyan
	[0xbc, 0xbd, 0x22], // olive
	[0x39, 0x3b, 0x79], // navy
	[0xe6, 0xab, 0x02], // gold
	[0x63, 0x79, 0x39], // moss
];

const CLASS_BASE = BASE_COLOURS.length;
const TINT_BASE = CLASS_BASE + CLASS_COLOURS.length;
const tint = ([r, g, b]: [number, number, number]): [number, number, number] => [r, g, b].map((c) => Math.round(c * 0.35 + 255 * 0.65)) as [number, number, number];
const PALETTE = [...BASE_COLOURS, ...CLASS_COLOURS, ...CLASS_COLOURS.map(tint)];

const classColour = (i: number) => CLASS_BASE + (i % CLASS_COLOURS.length);
const classTint = (i: number) => TINT_BASE + (i % CLASS_COLOURS.length);

// ---------------------------------------------------------------- text of the picture

/** Seconds as h:mm:ss (rounded to the second). */
export function clock(seconds: number): string {
	const s = Math.max(0, Math.round(Number.isFinite(seconds) ? seconds : 0));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${h}:${pad(m)}:${pad(s % 60)}`;
}

function count(n: number): string {
	return Number.isFinite(n) ? String(Math.max(0, Math.round(n))) : '?';
}

export interface Tick {
	seconds: number;
	label: string;
}

/**
 * Ticks from 0 to `duration` seconds, at most `maxTicks` of them, at a round step, labelled in
 * seconds for short videos, minutes up to three hours, hours beyond.
 */
export function timeTicks(duration: number, maxTicks: number): Tick[] {
	const d = Number.isFinite(duration) && duration > 0 ? duration : 1;
	const most = Math.max(2, Math.floor(maxTicks));
	const [unit, suffix, steps] =
		d < 120
			? [1, 's', [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60]]
			: d < 3 * 3600
				? [60, ' min', [1, 2, 5, 10, 15, 20, 30, 60].map((m) => m * 60)]
				: [3600, ' h', [1, 2, 3, 6, 12, 24].map((h) => h * 3600)];
	let step = steps.find((s) => Math.floor(d / s + 1e-9) + 1 <= most);
	if (step === undefined) {
		step = steps[steps.length - 1];
		while (Math.floor(d / step + 1e-9) + 1 > most) step *= 2;
	}
	const ticks: Tick[] = [];
	for (let i = 0; i * step <= d + 1e-9; i++) {
		const seconds = i * step;
		const value = Math.round((seconds / unit) * 10) / 10;
		ticks.push({ seconds, label: i === 0 ? '0' : `${value}${suffix}` });
	}
	return ticks;
}

// ---------------------------------------------------------------- layout

const MARGIN = 16;
const RIGHT_MARGIN = 28;
const BIG = 2; // scale of titles, labels and tick labels
const SMALL = 1; // scale of the model id and notes
const LINE = GLYPH_HEIGHT * BIG; // height of a text line at scale BIG
const ROW_HEIGHT = 72;
const BAR_HEIGHT = 18;
const CHART_TOP = 26; // within a row
const CHART_HEIGHT = 36;

/** The picture's length in seconds: the video's, else the last appearance's end, else 1. */
function timeSpan(input: TimelineInput): number {
	if (Number.isFinite(input.videoSeconds) && input.videoSeconds > 0) return input.videoSeconds;
	let end = 0;
	for (const c of input.classes) for (const a of c.appearances ?? []) if (Number.isFinite(a.end) && a.end > end) end = a.end;
	return end > 0 ? end : 1;
}

function titleText(input: TimelineInput): string {
	const seconds = input.videoSeconds;
	// Under a second, h:mm:ss would say 0:00:00: the tenths say more.
	const length = !(Number.isFinite(seconds) && seconds > 0) ? 'unknown' : seconds < 1 ? `${Math.max(0.1, Math.round(seconds * 10) / 10)}s` : clock(seconds);
	const line = input.line ? `   Counting line ${count(input.line.in)} in, ${count(input.line.out)} out` : '';
	return `   Video ${length}${line}`;
}

/**
 * The timeline picture as PNG bytes, `widthPx` wide (480..4096; 1200 reads well in chat
 * previews). Height grows with the number of classes shown (at most MAX_CLASS_ROWS).
 */
export function timelinePng(input: TimelineInput, widthPx = 1200): Uint8Array {
	const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.floor(Number.isFinite(widthPx) ? widthPx : 1200)));
	const classes = Array.isArray(input.classes) ? input.classes : [];
	const shown = classes.slice(0, MAX_CLASS_ROWS);
	const hidden = classes.length - shown.length;

	const titleY = MARGIN;
	const legendY = titleY + LINE + 8;
	const axisLabelY = legendY + GLYPH_HEIGHT * SMALL + 14;
	const axisY = axisLabelY + LINE + 6; // the axis line
	const rowsTop = axisY + 8;
	const rowsBottom = rowsTop + shown.length * ROW_HEIGHT;
	const noteHeight = hidden > 0 ? LINE + 8 : 0;
	const bottomAxis = shown.length >= 6;
	const height =
		shown.length === 0
			? legendY + 96
			: rowsBottom + (bottomAxis ? 8 + LINE : 0) + noteHeight + MARGIN;

	const canvas = new Canvas(width, height, BACKGROUND);

	// Title: the job, the video's length, the counting line.
	const title = titleText(input);
	const jobRoom = width - 2 * MARGIN - textWidth(`Job ${title}`, BIG);
	const job = fitText(String(input.jobId ?? ''), Math.max(jobRoom, 6 * BIG * 4), BIG);
	canvas.text(MARGIN, titleY, fitText(`Job ${job}${title}`, width - 2 * MARGIN, BIG), TEXT, BIG);

	if (shown.length === 0) {
		const boxY = legendY + 8;
		canvas.fillRect(MARGIN, boxY, width - 2 * MARGIN, 56, PANEL);
		canvas.hline(MARGIN, width - MARGIN - 1, boxY, GRID);
		canvas.hline(MARGIN, width - MARGIN - 1, boxY + 55, GRID);
		const message = fitText('No objects were found in this video.', width - 2 * MARGIN - 32, BIG);
		canvas.text((width - textWidth(message, BIG)) / 2, boxY + (56 - CAP_HEIGHT * BIG) / 2, message, MUTED, BIG);
		return encodePng({ width, height, palette: PALETTE, pixels: canvas.pixels });
	}

	const labelWidth = Math.round(width * 0.25);
	const chartX = MARGIN + labelWidth + 12;
	const chartW = width - RIGHT_MARGIN - chartX;
	const span = timeSpan(input);
	const xAt = (t: number) => chartX + (Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), span) / span) * chartW;

	canvas.text(
		chartX,
		legendY,
		fitText('Bar: when the class was in view.  Chart below it: how many were in view at once (top = its peak).', width - RIGHT_MARGIN - chartX, SMALL),
		MUTED,
		SMALL,
	);

	// Time axis: labels above the rows (and below them when there are many), grid lines through them.
	const ticks = timeTicks(span, chartW / 110);
	const tickLabels = (y: number) => {
		for (const tick of ticks) {
			const w = textWidth(tick.label, BIG);
			const x = Math.min(Math.max(xAt(tick.seconds) - w / 2, chartX), width - MARGIN - w);
			canvas.text(x, y, tick.label, MUTED, BIG);
		}
	};
	tickLabels(axisLabelY);
	canvas.hline(chartX, chartX + chartW - 1, axisY, AXIS);
	for (const tick of ticks) {
		const x = Math.min(Math.floor(xAt(tick.seconds)), chartX + chartW - 1);
		canvas.vline(x, axisY - 5, axisY, AXIS);
		canvas.vline(x, axisY + 1, rowsBottom - 1, GRID);
	}
	if (bottomAxis) {
		canvas.hline(chartX, chartX + chartW - 1, rowsBottom, AXIS);
		tickLabels(rowsBottom + 8);
	}

	shown.forEach((c, i) => {
		const top = rowsTop + i * ROW_HEIGHT;
		const colour = classColour(i);

		// Label: colour swatch and class name; objects and peak; the model, small.
		canvas.fillRect(MARGIN, top + 4, 12, 12, colour);
		const nameX = MARGIN + 20;
		const labelRoom = chartX - 12 - nameX;
		canvas.text(nameX, top + 3, fitText(String(c.name ?? ''), labelRoom, BIG), TEXT, BIG);
		const unique = count(c.uniqueObjects);
		canvas.text(nameX, top + CHART_TOP + 4, fitText(`${unique} unique, peak ${count(c.peakCount)}`, labelRoom, BIG), MUTED, BIG);
		canvas.text(nameX, top + CHART_TOP + 4 + LINE + 4, fitText(`model ${String(c.model ?? '')}`, labelRoom, SMALL), MUTED, SMALL);

		// Bar: when the class was in view (an appearance is at least 2 pixels wide, so it shows).
		const barY = top + 2;
		canvas.fillRect(chartX, barY, chartW, BAR_HEIGHT, LANE);
		for (const tick of ticks) canvas.vline(Math.min(Math.floor(xAt(tick.seconds)), chartX + chartW - 1), barY, barY + BAR_HEIGHT - 1, GRID);
		for (const a of c.appearances ?? []) {
			if (!Number.isFinite(a.start) || !Number.isFinite(a.end)) continue;
			const x0 = Math.floor(xAt(Math.min(a.start, a.end)));
			const x1 = Math.max(Math.ceil(xAt(Math.max(a.start, a.end))), x0 + 2);
			canvas.fillRect(Math.min(x0, chartX + chartW - 2), barY, x1 - x0, BAR_HEIGHT, colour);
		}

		// Chart: how many were in view at once, scaled to the class's peak.
		const counts = Array.isArray(c.counts) ? c.counts : [];
		const chartY = top + CHART_TOP;
		let peak = Number.isFinite(c.peakCount) ? c.peakCount : 0;
		for (const n of counts) if (Number.isFinite(n) && n > peak) peak = n;
		canvas.stepSeries(counts, chartX, chartY, chartW, CHART_HEIGHT, peak, colour, classTint(i));
		canvas.hline(chartX, chartX + chartW - 1, chartY + CHART_HEIGHT, AXIS);
	});

	if (hidden > 0) {
		const y = rowsBottom + (bottomAxis ? 8 + LINE : 0) + 8;
		canvas.text(MARGIN, y, `+ ${hidden} more ${hidden === 1 ? 'class' : 'classes'} not shown`, MUTED, BIG);
	}

	return encodePng({ width, height, palette: PALETTE, pixels: canvas.pixels });
}
