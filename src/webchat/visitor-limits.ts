import { AppError } from '../errors.js';
import type { RateLimiter } from '../redis/rate-limiter.js';

/**
 * The visitor API's limits, on the gateway's one GCRA limiter: per IP address (every request,
 * sessions included; uploads, which anyone may make and which take space, on their own lower
 * count) and per visitor (what it sends). Bursts of a tenth of a minute's worth.
 */
export class VisitorLimits {
  constructor(private readonly deps: { limiter: RateLimiter; perIpPerMinute: number; perVisitorPerMinute: number; uploadsPerIpPerMinute: number }) {}

  byIp(ip: string): Promise<void> {
    return this.take(`webchat-ip-${ip}`, this.deps.perIpPerMinute, 'from this address');
  }

  uploadsByIp(ip: string): Promise<void> {
    return this.take(`webchat-uploads-ip-${ip}`, this.deps.uploadsPerIpPerMinute, 'uploads from this address');
  }

  byVisitor(channelId: string, visitorId: string): Promise<void> {
    return this.take(`webchat-visitor-${channelId}-${visitorId}`, this.deps.perVisitorPerMinute, 'from this visitor');
  }

  private async take(key: string, perMinute: number, whose: string): Promise<void> {
    if (perMinute === 0) return;
    const decision = await this.deps.limiter.decide(key, 60_000 / perMinute, Math.max(1, Math.ceil(perMinute / 10)));
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.waitMs / 1000));
    throw new AppError(429, 'rate_limited', `Too many requests ${whose}; retry in ${seconds} s`, { retryAfterSeconds: seconds });
  }
}
