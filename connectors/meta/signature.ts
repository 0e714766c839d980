import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelAccess, HttpReply, WebhookRequest } from '../contract.js';

const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/i;

/** The secrets every Meta channel holds for its webhook: the app's (signatures) and the handshake's. */
type MetaChannel = Pick<ChannelAccess<unknown, { appSecret: string; verifyToken: string }>, 'secrets'>;

/** A header by name, whatever its case; repeated headers count as absent (ambiguous). */
export function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, body)>` over the bytes exactly
 * as received: Meta escapes non-ASCII as \uXXXX, so re-serialized JSON would not match.
 */
export function verifySignature(req: Pick<WebhookRequest, 'rawBody' | 'headers'>, channel: MetaChannel): boolean {
  const header = headerValue(req.headers, 'x-hub-signature-256');
  const match = header ? SIGNATURE_FORMAT.exec(header.trim()) : null;
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', channel.secrets.appSecret).update(req.rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `hub.mode` with express' flat parser, or `hub: {mode}` with a nested (qs) parser. */
function hubParam(query: WebhookRequest['query'], name: 'mode' | 'verify_token' | 'challenge'): string | undefined {
  const flat = query[`hub.${name}`];
  if (typeof flat === 'string') return flat;
  const hub = query.hub;
  if (hub && typeof hub === 'object' && !Array.isArray(hub)) {
    const nested = (hub as Record<string, unknown>)[name];
    if (typeof nested === 'string') return nested;
  }
  return undefined;
}

const REFUSED: HttpReply = {
  status: 403,
  contentType: 'application/json',
  body: JSON.stringify({ error: { code: 'verification_failed', message: 'The verify token does not match this channel' } }),
};

/** Meta's subscription handshake: echo the challenge only to a request carrying our verify token. */
export function answerHandshake(req: Pick<WebhookRequest, 'query'>, channel: MetaChannel): HttpReply {
  const mode = hubParam(req.query, 'mode');
  const token = hubParam(req.query, 'verify_token');
  const challenge = hubParam(req.query, 'challenge');
  if (mode !== 'subscribe' || token === undefined || challenge === undefined || !sameSecret(token, channel.secrets.verifyToken)) return REFUSED;
  return { status: 200, contentType: 'text/plain', body: challenge };
}
