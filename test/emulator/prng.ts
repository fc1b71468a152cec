/**
 * Seeded pseudo-random numbers for the emulator.
 *
 * Everything the emulator invents (job ids, predictions, embeddings) must be
 * reproducible from the emulator seed plus the job input, so tests can compare
 * two runs byte for byte. Math.random is never used.
 */
import { createHash } from 'node:crypto';

export interface Rng {
	/** Uniform float in [0, 1). */
	next(): number;
	/** Uniform float in [min, max). */
	between(min: number, max: number): number;
	/** Uniform integer in [min, max] (both inclusive). */
	int(min: number, max: number): number;
	/** One element of a non-empty list. */
	pick<T>(items: readonly T[]): T;
	/** A version-4-shaped UUID built from this generator (not globally unique, just well-formed). */
	uuid(): string;
}

/** Hash any list of parts into a 32-bit seed, so ("a", 1) and ("a1") differ. */
export function seedFrom(...parts: Array<string | number>): number {
	const hash = createHash('sha256');
	for (const part of parts) hash.update(`${typeof part}:${String(part)}\u0000`);
	return hash.digest().readUInt32LE(0);
}

/** mulberry32: tiny, fast, good enough spread for fake predictions. */
export function createRng(...seedParts: Array<string | number>): Rng {
	let state = seedFrom(...seedParts) >>> 0;
	const next = (): number => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
	return {
		next,
		between: (min, max) => min + next() * (max - min),
		int,
		pick: (items) => items[int(0, items.length - 1)],
		uuid: () => {
			const hex = Array.from({ length: 32 }, () => int(0, 15).toString(16));
			hex[12] = '4';
			hex[16] = ((int(0, 15) & 0x3) | 0x8).toString(16);
			const s = hex.join('');
			return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
		},
	};
}
