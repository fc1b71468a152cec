/**
 * docs/docker-compose.yml cannot run here (no Docker): it is parsed, and what README "Scaling"
 * promises of it is checked: queue mode in every n8n process with one encryption key, PostgreSQL
 * 17 and Redis, workers started as workers, and binary data in filesystem mode on a volume the
 * main and the workers share.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';

interface Service {
	image: string;
	command?: string;
	environment?: Record<string, string>;
	volumes?: string[];
}

const compose = parse(readFileSync(join(__dirname, '..', '..', 'docs', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
	services: Record<string, Service>;
	volumes: Record<string, unknown>;
};
const { services } = compose;
const n8nServices = ['n8n', 'n8n-worker'];

describe('docs/docker-compose.yml', () => {
	test('has the main, a worker service, PostgreSQL 17 and Redis', () => {
		expect(Object.keys(services).sort()).toEqual(['n8n', 'n8n-worker', 'postgres', 'redis']);
		expect(services.postgres.image).toBe('postgres:17');
		expect(services.redis.image).toMatch(/^redis:/);
		expect(services['n8n-worker'].command).toMatch(/^worker --concurrency=\d+$/);
		expect(services.n8n.command).toBeUndefined();
	});

	test.each(n8nServices)('%s runs the n8n version the package is tested on, in queue mode, on PostgreSQL and Redis', (name) => {
		const env = services[name].environment!;
		expect(services[name].image).toBe('n8nio/n8n:2.41.1');
		expect(env).toMatchObject({
			EXECUTIONS_MODE: 'queue',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: 'postgres',
			QUEUE_BULL_REDIS_HOST: 'redis',
			N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
			// the module whose start-up race fails runs resumed after a main restart (README "Scaling")
			N8N_DISABLED_MODULES: expect.stringMatching(/(^|,)otel(,|$)/),
		});
		expect(env.N8N_ENCRYPTION_KEY).toMatch(/^\$\{N8N_ENCRYPTION_KEY:\?/);
		expect(env.DB_POSTGRESDB_PASSWORD).toBe(services.postgres.environment!.POSTGRES_PASSWORD);
	});

	test("the main and the workers share n8n's folder (installed nodes, binary data) on one volume", () => {
		const n8nFolder = (name: string) => services[name].volumes!.find((v) => v.endsWith(':/home/node/.n8n'));
		expect(n8nFolder('n8n')).toBeDefined();
		expect(n8nFolder('n8n-worker')).toBe(n8nFolder('n8n'));
		expect(Object.keys(compose.volumes)).toContain(n8nFolder('n8n')!.split(':')[0]);
	});
});
