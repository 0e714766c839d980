import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks v1 symmetric signatures: HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed
 * with the bytes of a `whsec_`+base64 secret, sent as space-separated `v1,<base64>` entries so
 * an endpoint can hold the old and the new secret while one rotates.
 */

const SECRET_PREFIX = 'whsec_';
/** The spec asks for 24 to 64 random bytes (192 to 512 bits). */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('A webhook secret must start with whsec_');
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') silently skips bad characters; a mangled secret must fail loudly instead.
  if (!CANONICAL_BASE64.test(encoded)) throw new Error('A webhook secret must be whsec_ followed by base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new Error(`A webhook secret must hold ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${key.length}`);
  }
  return key;
}

function hmac(key: Buffer, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** The `webhook-signature` header value: one `v1,` entry per secret. Throws on a malformed secret. */
export function signWebhook(opts: { id: string; timestamp: number; body: string; secrets: string[] }): string {
  if (opts.id === '') throw new Error('A webhook id is required');
  if (!Number.isSafeInteger(opts.timestamp) || opts.timestamp < 0) {
    throw new Error('A webhook timestamp is whole unix seconds');
  }
  if (opts.secrets.length === 0) throw new Error('At least one secret is needed to sign a webhook');
  const timestamp = String(opts.timestamp);
  return opts.secrets.map((secret) => `v1,${hmac(secretKey(secret), opts.id, timestamp, opts.body)}`).join(' ');
}

function headerValues(headers: Record<string, string | string[] | undefined>, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values;
}

/**
 * The receiver's check: the three headers present, the timestamp within `toleranceSeconds` of
 * `now` (unix seconds) either way, and one `v1` entry equal, in constant time, to the HMAC of the
 * raw body under `secret`. False for any bad request; throws only for a malformed `secret`.
 */
export function verifyWebhook(opts: {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  secret: string;
  now?: number;
  toleranceSeconds?: number;
}): boolean {
  const key = secretKey(opts.secret);
  const ids = headerValues(opts.headers, 'webhook-id');
  const timestamps = headerValues(opts.headers, 'webhook-timestamp');
  const signatures = headerValues(opts.headers, 'webhook-signature').join(' ').split(' ').filter(Boolean);
  // A repeated id or timestamp is ambiguous about what was signed.
  const [id] = ids;
  const [timestamp] = timestamps;
  if (ids.length !== 1 || timestamps.length !== 1 || !id || !timestamp || signatures.length === 0) return false;
  if (!/^\d{1,15}$/.test(timestamp)) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;

  // Sign the timestamp text as received: that is what the sender signed.
  const expected = Buffer.from(hmac(key, id, timestamp, opts.body));
  return signatures.some((entry) => {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') return false;
    const candidate = Buffer.from(entry.slice(comma + 1));
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}
