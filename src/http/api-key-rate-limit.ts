import type { RequestHandler } from 'express';
import type { RedisClient } from '../redis/connections.js';
import type { Config } from '../../config/schema.js';
import { AppError } from '../errors.js';
import { RateLimiter } from '../redis/rate-limiter.js';
import { authOf } from './auth.js';

export type RateLimitConfig = Pick<Config, 'API_RATE_LIMIT_PER_MINUTE' | 'API_RATE_LIMIT_BURST' | 'API_RATE_LIMIT_OVERRIDES' | 'QUEUE_PREFIX'>;

/**
 * The per-API-key limit of /v1, after authentication. The admin API (its own token) and
 * provider webhooks (never refused for load) are mounted outside it.
 */
export function rateLimitPerKey(deps: { config: RateLimitConfig; redis: RedisClient }): RequestHandler {
  const { API_RATE_LIMIT_PER_MINUTE, API_RATE_LIMIT_BURST: burst, API_RATE_LIMIT_OVERRIDES, QUEUE_PREFIX } = deps.config;
  const limiter = new RateLimiter(deps.redis, QUEUE_PREFIX);
  return async (_req, res, next) => {
    const keyId = String(authOf(res).keyId);
    const perMinute = API_RATE_LIMIT_OVERRIDES[keyId] ?? API_RATE_LIMIT_PER_MINUTE;
    if (perMinute === 0) return next();
    const decision = await limiter.decide(`api-${keyId}`, 60_000 / perMinute, burst);
    res.setHeader('RateLimit-Limit', String(burst));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.waitMs / 1000));
      res.setHeader('Retry-After', String(seconds));
      throw new AppError(429, 'rate_limited', `Too many requests with this API key; retry in ${seconds} s`, { retryAfterSeconds: seconds });
    }
    next();
  };
}
