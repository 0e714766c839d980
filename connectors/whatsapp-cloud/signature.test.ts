import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerHandshake, headerValue, verifySignature } from '../meta/signature.js';

const SECRET = 'app-secret-1234';
const sign = (body: Buffer | string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('X-Hub-Signature-256', () => {
  const body = readFileSync(new URL('./fixtures/text.json', import.meta.url));

  it('accepts the HMAC of the raw body with the app secret, whatever the hex case', () => {
    expect(verifySignature(body, sign(body), SECRET)).toBe(true);
    expect(verifySignature(body, sign(body).replace(/[a-f]/g, (c) => c.toUpperCase()).replace('SHA256', 'sha256'), SECRET)).toBe(true);
  });

  it('rejects another secret, a changed body, and missing or malformed headers without throwing', () => {
    expect(verifySignature(body, sign(body, 'another-secret'), SECRET)).toBe(false);
    expect(verifySignature(Buffer.concat([body, Buffer.from(' ')]), sign(body), SECRET)).toBe(false);
    expect(verifySignature(body, undefined, SECRET)).toBe(false);
    expect(verifySignature(body, '', SECRET)).toBe(false);
    expect(verifySignature(body, sign(body).slice('sha256='.length), SECRET)).toBe(false);
    expect(verifySignature(body, sign(body).replace('sha256=', 'sha1='), SECRET)).toBe(false);
    expect(verifySignature(body, sign(body).slice(0, -2), SECRET)).toBe(false);
    expect(verifySignature(body, `${sign(body)}00`, SECRET)).toBe(false);
    expect(verifySignature(body, 'sha256=zz' + sign(body).slice(9), SECRET)).toBe(false);
  });

  it('is computed over the raw bytes: escaped non-ASCII passes, its re-serialized form does not', () => {
    const raw = readFileSync(new URL('./fixtures/text-non-ascii.json', import.meta.url));
    expect(raw.toString('utf8')).toContain('\\u00e9');
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(reserialized.toString('utf8')).toContain('é');
    expect(verifySignature(raw, sign(raw), SECRET)).toBe(true);
    expect(verifySignature(raw, sign(reserialized), SECRET)).toBe(false);
    expect(verifySignature(reserialized, sign(raw), SECRET)).toBe(false);
  });

  it('finds the header whatever its case, and treats a repeated header as missing', () => {
    expect(headerValue({ 'X-Hub-Signature-256': 'sha256=ab' }, 'x-hub-signature-256')).toBe('sha256=ab');
    expect(headerValue({ 'x-hub-signature-256': ['sha256=ab', 'sha256=cd'] }, 'x-hub-signature-256')).toBeUndefined();
    expect(headerValue({}, 'x-hub-signature-256')).toBeUndefined();
  });
});

describe('subscription handshake', () => {
  const TOKEN = 'verify-me';
  const query = (overrides: Record<string, unknown> = {}) => ({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1158201444', ...overrides });
  const refused = {
    status: 403,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'verification_failed', message: 'The verify token does not match this channel' } }),
  };

  it('echoes the challenge as plain text when mode and token match', () => {
    expect(answerHandshake(query(), TOKEN)).toEqual({ status: 200, contentType: 'text/plain', body: '1158201444' });
  });

  it('reads a nested hub object too (qs-style query parsing)', () => {
    expect(answerHandshake({ hub: { mode: 'subscribe', verify_token: TOKEN, challenge: '42' } }, TOKEN)).toEqual({ status: 200, contentType: 'text/plain', body: '42' });
  });

  it('refuses with 403 a wrong, shorter, longer or missing token, another mode, or no challenge', () => {
    expect(answerHandshake(query({ 'hub.verify_token': 'nope' }), TOKEN)).toEqual(refused);
    expect(answerHandshake(query({ 'hub.verify_token': TOKEN.slice(0, -1) }), TOKEN)).toEqual(refused);
    expect(answerHandshake(query({ 'hub.verify_token': `${TOKEN}x` }), TOKEN)).toEqual(refused);
    expect(answerHandshake(query({ 'hub.verify_token': undefined }), TOKEN)).toEqual(refused);
    expect(answerHandshake(query({ 'hub.verify_token': [TOKEN, TOKEN] }), TOKEN)).toEqual(refused);
    expect(answerHandshake(query({ 'hub.mode': 'unsubscribe' }), TOKEN)).toEqual(refused);
    expect(answerHandshake(query({ 'hub.challenge': undefined }), TOKEN)).toEqual(refused);
    expect(answerHandshake({}, TOKEN)).toEqual(refused);
  });
});
