import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Removes expired holders, then admits one more if fewer than the limit hold a slot. A holder
 * expires on its own (a crashed worker never gives its slot back), after longer than an attempt
 * can last.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/** Longer than the 15 s request timeout plus the excerpt read. */
const HOLD_MS = 60_000;

/**
 * How many requests one webhook endpoint may have open at once, across every worker process:
 * a helpdesk that hangs each request for the full timeout occupies at most `limit` of the
 * webhook workers, and the others keep delivering to everyone else.
 */
export class EndpointSlots {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limit: number,
  ) {}

  /** A release function, or null when the endpoint already has `limit` requests open. */
  async acquire(subscriptionId: string): Promise<(() => Promise<void>) | null> {
    const key = `${this.keyPrefix}:webhook-slots:${subscriptionId}`;
    const holder = randomUUID();
    // Wall time, not the injected clock: the slot measures how long a real request is open.
    const now = Date.now();
    const admitted = await this.redis.eval(ACQUIRE, 1, key, now, this.limit, now + HOLD_MS, holder, HOLD_MS);
    if (admitted !== 1) return null;
    return async () => {
      await this.redis.zrem(key, holder);
    };
  }
}
