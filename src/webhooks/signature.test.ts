import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './signature.js';

// The known-answer vector of the Standard Webhooks reference libraries ("sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function headersFor(signature: string, id = VECTOR.id, timestamp = VECTOR.timestamp) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

describe('generateWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 fresh random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('produces a secret that signs and verifies', () => {
    const secret = generateWebhookSecret();
    const signature = signWebhook({ id: 'evt_1', timestamp: 1_700_000_000, body: '{}', secrets: [secret] });
    expect(verifyWebhook({ headers: headersFor(signature, 'evt_1', 1_700_000_000), body: '{}', secret, now: 1_700_000_000 })).toBe(true);
  });
});

describe('signWebhook', () => {
  it('matches the Standard Webhooks known-answer vector', () => {
    expect(signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] })).toBe(
      VECTOR.signature,
    );
  });

  it('is HMAC-SHA256 of id.timestamp.body keyed with the decoded secret', () => {
    const key = Buffer.alloc(32, 7);
    const body = '{"type":"conversation.created","data":{"text":"héllo ✓"}}\n';
    const expected = createHmac('sha256', key).update(`evt.1.1700000000.${body}`).digest('base64');
    expect(signWebhook({ id: 'evt.1', timestamp: 1_700_000_000, body, secrets: [`whsec_${key.toString('base64')}`] })).toBe(
      `v1,${expected}`,
    );
  });

  it('signs once per secret, space-separated, in order', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    const both = signWebhook({ id: 'e', timestamp: 5, body: 'x', secrets: [a, b] });
    const one = (s: string) => signWebhook({ id: 'e', timestamp: 5, body: 'x', secrets: [s] });
    expect(both).toBe(`${one(a)} ${one(b)}`);
    expect(one(a)).not.toBe(one(b));
  });

  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['not base64', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w'],
    ['too short (16 bytes)', `whsec_${Buffer.alloc(16).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${Buffer.alloc(65).toString('base64')}`],
  ])('rejects a malformed secret: %s', (_name, secret) => {
    expect(() => signWebhook({ id: 'e', timestamp: 5, body: 'x', secrets: [secret] })).toThrow(/secret/);
  });

  it('rejects no secrets, an empty id and a non-integer timestamp', () => {
    const secrets = [VECTOR.secret];
    expect(() => signWebhook({ id: 'e', timestamp: 5, body: 'x', secrets: [] })).toThrow(/secret/);
    expect(() => signWebhook({ id: '', timestamp: 5, body: 'x', secrets })).toThrow(/id/);
    expect(() => signWebhook({ id: 'e', timestamp: 1.5, body: 'x', secrets })).toThrow(/timestamp/);
    expect(() => signWebhook({ id: 'e', timestamp: -1, body: 'x', secrets })).toThrow(/timestamp/);
  });
});

describe('verifyWebhook', () => {
  const verify = (overrides: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
    verifyWebhook({ headers: headersFor(VECTOR.signature), body: VECTOR.body, secret: VECTOR.secret, now: VECTOR.timestamp, ...overrides });

  it('accepts the known-answer vector', () => {
    expect(verify()).toBe(true);
  });

  it('rejects a tampered body, id or timestamp and a wrong secret', () => {
    expect(verify({ body: VECTOR.body.replace('2432232314', '2432232315') })).toBe(false);
    expect(verify({ body: `${VECTOR.body} ` })).toBe(false);
    expect(verify({ headers: headersFor(VECTOR.signature, 'msg_other') })).toBe(false);
    expect(verify({ headers: headersFor(VECTOR.signature, VECTOR.id, VECTOR.timestamp + 1) })).toBe(false);
    expect(verify({ secret: generateWebhookSecret() })).toBe(false);
  });

  it('rejects timestamps outside the tolerance either way, and accepts them at its edge', () => {
    expect(verify({ now: VECTOR.timestamp + 300 })).toBe(true);
    expect(verify({ now: VECTOR.timestamp - 300 })).toBe(true);
    expect(verify({ now: VECTOR.timestamp + 301 })).toBe(false);
    expect(verify({ now: VECTOR.timestamp - 301 })).toBe(false);
    expect(verify({ now: VECTOR.timestamp + 60, toleranceSeconds: 30 })).toBe(false);
  });

  it('uses the wall clock by default, so a signature from years ago is refused', () => {
    expect(verifyWebhook({ headers: headersFor(VECTOR.signature), body: VECTOR.body, secret: VECTOR.secret })).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    const fresh = signWebhook({ id: 'e', timestamp: now, body: 'b', secrets: [VECTOR.secret] });
    expect(verifyWebhook({ headers: headersFor(fresh, 'e', now), body: 'b', secret: VECTOR.secret })).toBe(true);
  });

  it('lets a receiver holding either secret verify during a rotation', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const signature = signWebhook({ id: 'e', timestamp: 100, body: 'b', secrets: [newSecret, oldSecret] });
    const check = (secret: string) => verifyWebhook({ headers: headersFor(signature, 'e', 100), body: 'b', secret, now: 100 });
    expect(check(oldSecret)).toBe(true);
    expect(check(newSecret)).toBe(true);
    expect(check(generateWebhookSecret())).toBe(false);
  });

  it('skips entries of other versions and matches a later v1 entry', () => {
    const sig = VECTOR.signature.slice(3);
    const header = `v1a,${sig} v2,${sig} v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${VECTOR.signature}`;
    expect(verify({ headers: headersFor(header) })).toBe(true);
    expect(verify({ headers: headersFor(`v2,${sig}`) })).toBe(false);
    expect(verify({ headers: headersFor(sig) })).toBe(false);
  });

  it('rejects partial signatures', () => {
    expect(verify({ headers: headersFor(VECTOR.signature.slice(0, 8)) })).toBe(false);
    expect(verify({ headers: headersFor('v1,') })).toBe(false);
  });

  it('reads header names case-insensitively and refuses missing, repeated or non-numeric ones', () => {
    expect(
      verify({ headers: { 'Webhook-Id': VECTOR.id, 'WEBHOOK-TIMESTAMP': String(VECTOR.timestamp), 'Webhook-Signature': VECTOR.signature } }),
    ).toBe(true);
    const base = headersFor(VECTOR.signature);
    expect(verify({ headers: { ...base, 'webhook-id': undefined } })).toBe(false);
    expect(verify({ headers: { ...base, 'webhook-timestamp': undefined } })).toBe(false);
    expect(verify({ headers: { ...base, 'webhook-signature': undefined } })).toBe(false);
    expect(verify({ headers: { ...base, 'webhook-id': [VECTOR.id, 'msg_other'] } })).toBe(false);
    expect(verify({ headers: { ...base, 'webhook-timestamp': `${VECTOR.timestamp}abc` } })).toBe(false);
    expect(verify({ headers: { ...base, 'webhook-timestamp': 'hello' } })).toBe(false);
  });

  it('throws, rather than answering false, for a malformed receiver secret', () => {
    expect(() => verify({ secret: 'not-a-secret' })).toThrow(/secret/);
  });
});
