import type { Redis } from 'ioredis';

/**
 * GCRA, one Lua call per decision, so every gateway process shares one limit per provider
 * account. Redis's own clock is used so processes with skewed clocks agree. Returns the
 * milliseconds to wait (0: go now); a refused call consumes nothing.
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
if wait > 0 then return wait end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now + interval))
return 0
`;

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Takes one slot of `perSecond` for `key`, allowing bursts of up to a second's worth. */
  async take(key: string, perSecond: number): Promise<number> {
    const interval = 1000 / perSecond;
    const burst = Math.max(1, Math.floor(perSecond));
    const wait = await this.redis.eval(GCRA, 1, `${this.prefix}:rate:${key}`, String(interval), String(burst));
    return Math.ceil(Number(wait));
  }
}
