import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('the Docker image', () => {
  it('checks its own health on /healthz, with the node it already has', () => {
    const dockerfile = read('Dockerfile');
    const healthcheck = /^HEALTHCHECK ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1]?.replace(/\\\n\s*/g, ' ');
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(healthcheck).toContain('process.env.PORT');
  });
});

describe('docker compose', () => {
  const compose = parse(read('docker-compose.yml'));

  it('starts the gateway once MongoDB and Redis are healthy', () => {
    expect(compose.services.gateway.depends_on).toEqual({ mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });

  it('runs MongoDB as a replica set, made by its health check, which the gateway names', () => {
    expect(compose.services.mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(compose.services.mongo.healthcheck.test.join(' ')).toMatch(/rs\.initiate\(\{ _id: 'rs0', members: \[\{ _id: 0, host: 'mongo:27017' \}\] \}\)/);
    expect(compose.services.gateway.environment.MONGODB_URI).toBe('mongodb://mongo:27017/omnigate?replicaSet=rs0');
  });

  it('gives MongoDB and Redis health checks that ping them', () => {
    expect(compose.services.mongo.healthcheck.test.join(' ')).toMatch(/mongosh .*ping/);
    expect(compose.services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const service of ['mongo', 'redis']) expect(compose.services[service].healthcheck.interval).toMatch(/^\d+s$/);
  });
});
