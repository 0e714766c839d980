import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connections.js';
import { redisKeys } from '../redis/keys.js';
import { withScripts } from '../redis/scripts.js';

/** Longer than the 15 s request timeout plus the excerpt read. */
const HOLD_MS = 60_000;

/**
 * How many requests one webhook endpoint may have open at once, across every worker process:
 * a helpdesk that hangs each request for the full timeout occupies at most `limit` of the
 * webhook workers, and the others keep delivering to everyone else. A holder expires on its own
 * (src/redis/scripts/endpoint-slot-acquire.lua), so a crashed worker never keeps its slot.
 */
export class EndpointSlots {
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(
    redis: RedisClient,
    keyPrefix: string,
    private readonly limit: number,
  ) {
    this.redis = withScripts(redis);
    this.keys = redisKeys(keyPrefix);
  }

  /** A release function, or null when the endpoint already has `limit` requests open. */
  async acquire(subscriptionId: string): Promise<(() => Promise<void>) | null> {
    const key = this.keys.webhookSlots(subscriptionId);
    const holder = randomUUID();
    // Wall time, not the injected clock: the slot measures how long a real request is open.
    const now = Date.now();
    const admitted = await this.redis.endpointSlotAcquire(key, String(now), String(this.limit), String(now + HOLD_MS), holder, String(HOLD_MS));
    if (admitted !== 1) return null;
    return async () => {
      await this.redis.zrem(key, holder);
    };
  }
}
