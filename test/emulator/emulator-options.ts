/**
 * What startEmulator() takes, which of it may change while the emulator runs (configure()
 * and POST /__emulator/config), and the defaults.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { ProcessingOptions } from './jobs';

export interface EmulatorOptions {
	host?: string;
	port?: number;
	storagePort?: number;
	apiKeys?: string[];
	workspace?: string;
	/** One status poll per job per window; an earlier poll gets 429 with Retry-After. */
	pollWindowMs?: number;
	/** Simulated job duration: fixedSeconds, else baseSeconds + videoSeconds * models * secondsPerVideoSecondPerModel. */
	processing?: ProcessingOptions;
	seed?: number;
	uploadUrlTtlSeconds?: number;
	outputUrlTtlSeconds?: number;
	/**
	 * A results file on disk that every finished job's output_signed_url serves instead of the
	 * results made for the job: streamed from disk, never read into memory (for files of any
	 * size). At runtime, `null` goes back to the made results.
	 */
	resultsFile?: string | null;
	/** Never receives api keys or signed query strings. */
	log?: (line: string) => void;
}

/** Options that may change while the emulator runs (configure() and POST /__emulator/config). */
export type RuntimeOptions = Pick<EmulatorOptions, 'pollWindowMs' | 'processing' | 'seed' | 'uploadUrlTtlSeconds' | 'outputUrlTtlSeconds' | 'apiKeys' | 'resultsFile'>;

export const DEFAULT_API_KEY = 'emulator-api-key';
export const DEFAULTS = {
	host: '127.0.0.1',
	workspace: 'emulator-workspace',
	pollWindowMs: 60_000,
	seed: 1,
	uploadUrlTtlSeconds: 3_600,
	outputUrlTtlSeconds: 3_600,
};

const RUNTIME_KEYS: ReadonlyArray<keyof RuntimeOptions> = ['pollWindowMs', 'processing', 'seed', 'uploadUrlTtlSeconds', 'outputUrlTtlSeconds', 'apiKeys', 'resultsFile'];

/** Why `value` cannot be the results file, or undefined when it can (a readable regular file, or null). */
export function resultsFileProblem(value: unknown): string | undefined {
	if (value === null) return undefined;
	if (typeof value !== 'string' || value === '') return '"resultsFile" must be the path of a file, or null.';
	try {
		if (!statSync(value).isFile()) return `"resultsFile" ${value} is not a regular file.`;
	} catch (error) {
		return `"resultsFile" ${value} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`;
	}
	return undefined;
}

export function validateRuntimeOptions(partial: Record<string, unknown>): string | undefined {
	for (const [key, value] of Object.entries(partial)) {
		if (!(RUNTIME_KEYS as readonly string[]).includes(key)) return `"${key}" cannot be changed at runtime.`;
		if (key === 'processing') {
			if (typeof value !== 'object' || value === null) return '"processing" must be an object.';
			for (const [k, v] of Object.entries(value)) {
				if (!['baseSeconds', 'secondsPerVideoSecondPerModel', 'fixedSeconds'].includes(k)) return `Unknown processing option "${k}".`;
				if (v !== undefined && !(typeof v === 'number' && v >= 0)) return `processing.${k} must be a number >= 0.`;
			}
		} else if (key === 'resultsFile') {
			const problem = resultsFileProblem(value);
			if (problem) return problem;
		} else if (key === 'apiKeys') {
			if (!Array.isArray(value) || value.length === 0 || !value.every((k) => typeof k === 'string' && k)) return '"apiKeys" must be a non-empty list of strings.';
		} else if (!(typeof value === 'number' && value >= 0)) {
			return `"${key}" must be a number >= 0.`;
		}
	}
	return undefined;
}

/** The runtime options of a running emulator; configure() changes them in place. */
export interface RuntimeSettings {
	apiKeys: string[];
	pollWindowMs: number;
	processing: ProcessingOptions;
	seed: number;
	uploadUrlTtlSeconds: number;
	outputUrlTtlSeconds: number;
	/** Absolute path of the file every finished job serves, or null for the made results. */
	resultsFile: string | null;
}

export function initialSettings(opts: EmulatorOptions): RuntimeSettings {
	const problem = opts.resultsFile === undefined ? undefined : resultsFileProblem(opts.resultsFile);
	if (problem) throw new Error(problem);
	return {
		apiKeys: opts.apiKeys?.length ? [...opts.apiKeys] : [DEFAULT_API_KEY],
		pollWindowMs: opts.pollWindowMs ?? DEFAULTS.pollWindowMs,
		processing: { ...opts.processing } as ProcessingOptions,
		seed: opts.seed ?? DEFAULTS.seed,
		uploadUrlTtlSeconds: opts.uploadUrlTtlSeconds ?? DEFAULTS.uploadUrlTtlSeconds,
		outputUrlTtlSeconds: opts.outputUrlTtlSeconds ?? DEFAULTS.outputUrlTtlSeconds,
		resultsFile: opts.resultsFile ? path.resolve(opts.resultsFile) : null,
	};
}

/** Applies the given runtime options to `settings`; throws (changing nothing) if one is not allowed. */
export function applyRuntimeOptions(settings: RuntimeSettings, partial: Partial<EmulatorOptions>): void {
	const runtime: Record<string, unknown> = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
	const problem = validateRuntimeOptions(runtime);
	if (problem) throw new Error(problem);
	if (runtime.processing) settings.processing = { ...(runtime.processing as ProcessingOptions) };
	if (runtime.apiKeys) settings.apiKeys = [...(runtime.apiKeys as string[])];
	for (const key of ['pollWindowMs', 'seed', 'uploadUrlTtlSeconds', 'outputUrlTtlSeconds'] as const) {
		if (typeof runtime[key] === 'number') settings[key] = runtime[key] as number;
	}
	if ('resultsFile' in runtime) settings.resultsFile = runtime.resultsFile ? path.resolve(runtime.resultsFile as string) : null;
}
