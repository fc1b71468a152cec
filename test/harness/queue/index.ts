/**
 * n8n's queue mode on one machine (Redis, PostgreSQL 17, a main and workers) for the queue
 * suite (test/queue) and the parked-memory benchmark (scripts/bench-parked.ts).
 */
export { startQueueStack, queueEnvironment, type BinaryDataMode, type QueueStack, type QueueStackOptions } from './stack';
export { startPostgres, type PostgresServer } from './postgres';
export { ensureRedisServer, startRedis, type RedisServer } from './redis';
export { startN8nWorker, type N8nWorker } from './worker';
export { heapAfterGc, type HeapAfterGc } from './heap';
