import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a visitor token says: whose it is, for which channel, until when. */
export interface VisitorClaims {
  /** The channel the token works on. */
  channelId: string;
  /** The visitor's external id on the channel (anonymous or a verified user id). */
  visitorId: string;
  /** Unix milliseconds after which the token is refused. */
  expiresAt: number;
  /** The name a logged-in visitor's business gave, if any. */
  name?: string;
}

const sign = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

/** `<base64url JSON claims>.<base64url HMAC-SHA256>`: stateless, checked without a store read. */
export function issueVisitorToken(secret: string, claims: VisitorClaims): string {
  const body = Buffer.from(JSON.stringify({ c: claims.channelId, v: claims.visitorId, e: claims.expiresAt, ...(claims.name && { n: claims.name }) })).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** The claims of a token this secret signed for this channel and not yet expired, or null. */
export function readVisitorToken(secret: string, token: string, channelId: string, now: Date): VisitorClaims | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || !sameText(signature, sign(secret, body))) return null;
  let raw: { c?: unknown; v?: unknown; e?: unknown; n?: unknown };
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    return null;
  }
  if (raw.c !== channelId || typeof raw.v !== 'string' || typeof raw.e !== 'number' || raw.e <= now.getTime()) return null;
  return { channelId, visitorId: raw.v, expiresAt: raw.e, ...(typeof raw.n === 'string' && { name: raw.n }) };
}

/** A signature over a stored file's id: the visitor's link to it, and proof that it uploaded it. */
export function mediaTicket(secret: string, mediaId: string): string {
  return sign(secret, `media:${mediaId}`);
}

export function isMediaTicket(secret: string, mediaId: string, ticket: string): boolean {
  return sameText(ticket, mediaTicket(secret, mediaId));
}

/** Constant time, so a signature cannot be guessed byte by byte. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
