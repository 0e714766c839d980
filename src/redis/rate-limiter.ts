import type { RedisClient } from './connections.js';
import { redisKeys } from './keys.js';
import { withScripts } from './scripts.js';

export interface RateDecision {
  allowed: boolean;
  /** Milliseconds until a call would be allowed (0 when allowed). */
  waitMs: number;
  /** Calls left in the burst after this one. */
  remaining: number;
}

/**
 * GCRA, one script call per decision (src/redis/scripts/rate-decision.lua), so every gateway
 * process shares one limit per key (a provider account, an API key).
 */
export class RateLimiter {
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(redis: RedisClient, prefix: string) {
    this.redis = withScripts(redis);
    this.keys = redisKeys(prefix);
  }

  /** Takes one call for `key` at one per `intervalMs`, allowing `burst` at once. */
  async decide(key: string, intervalMs: number, burst: number): Promise<RateDecision> {
    const [allowed, waitMs, remaining] = await this.redis.rateDecision(this.keys.rate(key), String(intervalMs), String(burst));
    return { allowed: allowed === 1, waitMs: waitMs ?? 0, remaining: remaining ?? 0 };
  }

  /** Takes one slot of `perSecond` for `key`, allowing bursts of up to a second's worth; the ms to wait (0: go now). */
  async take(key: string, perSecond: number): Promise<number> {
    const decision = await this.decide(key, 1000 / perSecond, Math.max(1, Math.floor(perSecond)));
    return decision.waitMs;
  }
}
