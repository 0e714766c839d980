import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedCache } from '../src/cache/shared-cache.js';
import { eventually } from './support/harness.js';
import { openRedis } from '../src/redis/connections.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const channel = `og-test-${randomBytes(4).toString('hex')}:cache-invalidations`;
/** Two processes' caches: each with its own Redis connection, as two gateway processes have. */
const connections = [openRedis(REDIS_URL), openRedis(REDIS_URL)];
const [here, there] = connections.map((redis) => new SharedCache({ redis, channel, ttlMs: 60_000 })) as [SharedCache, SharedCache];

beforeAll(() => Promise.all([here.start(), there.start()]));
afterAll(async () => {
  await Promise.all([here.stop(), there.stop()]);
  await Promise.all(connections.map((c) => c.quit()));
});

/** A value source that counts its loads. */
function source(initial: string) {
  const state = { value: initial, loads: 0 };
  return { state, load: async () => (state.loads++, state.value) };
}

describe('SharedCache', () => {
  it('loads a key once and serves the copy after that', async () => {
    const { state, load } = source('v1');
    expect(await here.get('once', load)).toBe('v1');
    state.value = 'v2';
    expect(await here.get('once', load)).toBe('v1');
    expect(state.loads).toBe(1);
  });

  it("an invalidation in one process drops the other process's copy", async () => {
    const { state, load } = source('old');
    expect(await there.get('shared', load)).toBe('old');
    expect(await here.get('shared', load)).toBe('old');
    state.value = 'new';
    await here.invalidate('shared');
    expect(await here.get('shared', load)).toBe('new');
    await eventually(async () => (await there.get('shared', load)) === 'new');
  });

  it('a load that began before an invalidation serves its caller but is not kept', async () => {
    let release: (value: string) => void = () => {};
    const slow = here.get('raced', () => new Promise<string>((resolve) => (release = resolve)));
    await here.invalidate('raced');
    release('stale');
    expect(await slow).toBe('stale');
    expect(await here.get('raced', async () => 'fresh')).toBe('fresh');
  });

  it('keys are independent', async () => {
    await here.get('a', async () => 1);
    await here.get('b', async () => 2);
    await here.invalidate('a');
    expect(await here.get('a', async () => 10)).toBe(10);
    expect(await here.get('b', async () => 20)).toBe(2);
  });
});
