/**
 * Positional reads on an open video file. Uploads can be 1 GiB and the headers a probe needs
 * may sit at the very end, so the probes read only the bytes they ask for.
 */
import type { FileHandle } from 'node:fs/promises';

/** Header structures bigger than this are treated as corrupt rather than read into memory. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** Positional reads on an open file; never reads the whole file. */
export class FileWindow {
	constructor(
		private readonly handle: FileHandle,
		readonly size: number,
	) {}

	async read(position: number, length: number): Promise<Buffer> {
		const wanted = Math.max(0, Math.min(length, this.size - position));
		const buffer = Buffer.alloc(wanted);
		let filled = 0;
		while (filled < wanted) {
			const { bytesRead } = await this.handle.read(buffer, filled, wanted - filled, position + filled);
			if (bytesRead === 0) break;
			filled += bytesRead;
		}
		return buffer.subarray(0, filled);
	}
}
