import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A receiver's check of a Standard Webhooks signature, written from the spec (not with the
 * gateway's code): HMAC-SHA256 of `id.timestamp.body` keyed with the base64 after `whsec_`,
 * against each `v1,` entry of `webhook-signature`.
 */
export function signatureMatches(secret: string, id: string, timestamp: string, body: string, signatures: string[]): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  return signatures.some((s) => {
    const [version, value = ''] = s.split(',', 2);
    const candidate = Buffer.from(value);
    return version === 'v1' && candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}
