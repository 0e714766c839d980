import type { Redis } from 'ioredis';

/**
 * GCRA, one Lua call per decision, so every gateway process shares one limit per key (a provider
 * account, an API key). Redis's own clock is used so processes with skewed clocks agree. Answers
 * {allowed, wait ms, remaining}; a refused call consumes nothing.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - now - burst * interval
if wait > 0 then return {0, math.ceil(wait), 0} end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now + interval))
return {1, 0, math.floor((now + burst * interval - new_tat) / interval)}
`;

export interface RateDecision {
  allowed: boolean;
  /** Milliseconds until a call would be allowed (0 when allowed). */
  waitMs: number;
  /** Calls left in the burst after this one. */
  remaining: number;
}

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Takes one call for `key` at one per `intervalMs`, allowing `burst` at once. */
  async decide(key: string, intervalMs: number, burst: number): Promise<RateDecision> {
    const [allowed, waitMs, remaining] = (await this.redis.eval(GCRA, 1, `${this.prefix}:rate:${key}`, String(intervalMs), String(burst))) as number[];
    return { allowed: allowed === 1, waitMs: waitMs ?? 0, remaining: remaining ?? 0 };
  }

  /** Takes one slot of `perSecond` for `key`, allowing bursts of up to a second's worth; the ms to wait (0: go now). */
  async take(key: string, perSecond: number): Promise<number> {
    const decision = await this.decide(key, 1000 / perSecond, Math.max(1, Math.floor(perSecond)));
    return decision.waitMs;
  }
}
