import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/redis/rate-limiter.js';
import { openRedis } from '../src/redis/connections.js';

const redis = openRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `og-test-${randomBytes(4).toString('hex')}`;
const limiter = new RateLimiter(redis, prefix);
afterAll(() => redis.quit());

describe('RateLimiter (GCRA on Redis)', () => {
  it("lets a second's worth through at once, then asks the next caller to wait about one interval", async () => {
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) waits.push(await limiter.take('burst', 5));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBeGreaterThan(100);
    expect(waits[5]).toBeLessThanOrEqual(200);
  });

  it('keeps the limit across callers sharing the key (as several gateway processes do)', async () => {
    // Its own connection, as another process would have.
    const otherRedis = openRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const other = new RateLimiter(otherRedis, prefix);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? limiter : other).take('shared', 10)));
    await otherRedis.quit();
    expect(results.filter((w) => w === 0)).toHaveLength(10);
  });

  it('a refused call consumes nothing, and keys are independent', async () => {
    expect(await limiter.take('one', 1)).toBe(0);
    const refused = await limiter.take('one', 1);
    expect(refused).toBeGreaterThan(0);
    expect(await limiter.take('two', 1)).toBe(0);
    await new Promise((r) => setTimeout(r, refused + 20));
    expect(await limiter.take('one', 1)).toBe(0);
  });
});
