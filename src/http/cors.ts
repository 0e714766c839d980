import cors from 'cors';
import type { RequestHandler } from 'express';
import { isAllowedOrigin } from '../security/allowed-origins.js';

/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for browser pages of the configured origins (CORS_ORIGINS). Preflights are answered
 * before authentication, since a browser sends them without credentials; an origin not allowed
 * gets no CORS header at all and its request goes on as any other. Keys travel in headers, never
 * cookies, so credentials are not allowed.
 */
export function corsFor(allowedOrigins: readonly string[]): RequestHandler {
  const handler = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && isAllowedOrigin(origin, allowedOrigins) ? origin : false),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-API-Key', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'X-Request-Id'],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  // Every answer depends on the Origin, also one without CORS headers: a cache must not reuse it for another origin.
  return (req, res, next) => {
    res.vary('Origin');
    handler(req, res, next);
  };
}
