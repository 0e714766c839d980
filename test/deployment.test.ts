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

  it('gives MongoDB and Redis health checks that ping them', () => {
    expect(compose.services.mongo.healthcheck.test.join(' ')).toMatch(/mongosh .*ping/);
    expect(compose.services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const service of ['mongo', 'redis']) expect(compose.services[service].healthcheck.interval).toMatch(/^\d+s$/);
  });
});
