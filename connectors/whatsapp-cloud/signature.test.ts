import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerHandshake, headerValue, verifySignature } from '../meta/signature.js';

const SECRET = 'app-secret-1234';
const sign = (body: Buffer | string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const verify = (rawBody: Buffer, header: string | undefined) =>
  verifySignature({ rawBody, headers: header === undefined ? {} : { 'x-hub-signature-256': header } }, { secrets: { appSecret: SECRET, verifyToken: 'unused' } });

describe('X-Hub-Signature-256', () => {
  const body = readFileSync(new URL('./fixtures/text.json', import.meta.url));

  it('accepts the HMAC of the raw body with the app secret, whatever the hex case', () => {
    expect(verify(body, sign(body))).toBe(true);
    expect(verify(body, sign(body).replace(/[a-f]/g, (c) => c.toUpperCase()).replace('SHA256', 'sha256'))).toBe(true);
  });

  it('rejects another secret, a changed body, and missing or malformed headers without throwing', () => {
    expect(verify(body, sign(body, 'another-secret'))).toBe(false);
    expect(verify(Buffer.concat([body, Buffer.from(' ')]), sign(body))).toBe(false);
    expect(verify(body, undefined)).toBe(false);
    expect(verify(body, '')).toBe(false);
    expect(verify(body, sign(body).slice('sha256='.length))).toBe(false);
    expect(verify(body, sign(body).replace('sha256=', 'sha1='))).toBe(false);
    expect(verify(body, sign(body).slice(0, -2))).toBe(false);
    expect(verify(body, `${sign(body)}00`)).toBe(false);
    expect(verify(body, 'sha256=zz' + sign(body).slice(9))).toBe(false);
  });

  it('is computed over the raw bytes: escaped non-ASCII passes, its re-serialized form does not', () => {
    const raw = readFileSync(new URL('./fixtures/text-non-ascii.json', import.meta.url));
    expect(raw.toString('utf8')).toContain('\\u00e9');
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(reserialized.toString('utf8')).toContain('é');
    expect(verify(raw, sign(raw))).toBe(true);
    expect(verify(raw, sign(reserialized))).toBe(false);
    expect(verify(reserialized, sign(raw))).toBe(false);
  });

  it('finds the header whatever its case, and treats a repeated header as missing', () => {
    expect(headerValue({ 'X-Hub-Signature-256': 'sha256=ab' }, 'x-hub-signature-256')).toBe('sha256=ab');
    expect(headerValue({ 'x-hub-signature-256': ['sha256=ab', 'sha256=cd'] }, 'x-hub-signature-256')).toBeUndefined();
    expect(headerValue({}, 'x-hub-signature-256')).toBeUndefined();
  });
});

describe('subscription handshake', () => {
  const TOKEN = 'verify-me';
  const handshake = (query: Record<string, unknown>) => answerHandshake({ query }, { secrets: { appSecret: 'unused', verifyToken: TOKEN } });
  const query = (overrides: Record<string, unknown> = {}) => ({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1158201444', ...overrides });
  const refused = {
    status: 403,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'verification_failed', message: 'The verify token does not match this channel' } }),
  };

  it('echoes the challenge as plain text when mode and token match', () => {
    expect(handshake(query())).toEqual({ status: 200, contentType: 'text/plain', body: '1158201444' });
  });

  it('reads a nested hub object too (qs-style query parsing)', () => {
    expect(handshake({ hub: { mode: 'subscribe', verify_token: TOKEN, challenge: '42' } })).toEqual({ status: 200, contentType: 'text/plain', body: '42' });
  });

  it('refuses with 403 a wrong, shorter, longer or missing token, another mode, or no challenge', () => {
    expect(handshake(query({ 'hub.verify_token': 'nope' }))).toEqual(refused);
    expect(handshake(query({ 'hub.verify_token': TOKEN.slice(0, -1) }))).toEqual(refused);
    expect(handshake(query({ 'hub.verify_token': `${TOKEN}x` }))).toEqual(refused);
    expect(handshake(query({ 'hub.verify_token': undefined }))).toEqual(refused);
    expect(handshake(query({ 'hub.verify_token': [TOKEN, TOKEN] }))).toEqual(refused);
    expect(handshake(query({ 'hub.mode': 'unsubscribe' }))).toEqual(refused);
    expect(handshake(query({ 'hub.challenge': undefined }))).toEqual(refused);
    expect(handshake({})).toEqual(refused);
  });
});
