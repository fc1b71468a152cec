/**
 * Killing a process "while every execution is parked": with 200 runs checking their jobs once a
 * minute, a worker is busy with some check most of the time. The kill waits for a moment when
 * Bull's queue holds no job, neither waiting nor active (Redis lists bull:jobs:wait and
 * bull:jobs:active), and kills right then, so that what is tested is a crash between steps,
 * not the loss of a running step (scenario 4 tests that).
 */
import type { RedisServer } from '../harness/queue';
import { sleep } from './executions';

export async function killAtQuietMoment(redis: RedisServer, kill: () => Promise<void>, timeoutMs = 120_000): Promise<{ waitedMs: number }> {
	const t0 = Date.now();
	while (Date.now() - t0 < timeoutMs) {
		const [active, waiting] = await Promise.all([redis.integer('LLEN', 'bull:jobs:active'), redis.integer('LLEN', 'bull:jobs:wait')]);
		if (active === 0 && waiting === 0) {
			await kill();
			return { waitedMs: Date.now() - t0 };
		}
		await sleep(20);
	}
	throw new Error(`the queue was never empty for ${timeoutMs / 1000} s`);
}
