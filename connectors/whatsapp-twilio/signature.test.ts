import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { headerValue, readForm } from './form.js';
import { verifySignature } from './signature.js';

const TOKEN = '12345678901234567890123456789012';
const CHANNEL = { secrets: { authToken: TOKEN } };
const URL_PLAIN = 'https://gw.example.test/webhooks/whatsapp-twilio/6650d3f1c2a4b5e6f7a8b9c0';
const URL_QUERY = `${URL_PLAIN}?tenant=acme&note=caf%C3%A9`;
const body = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url));

/** Twilio's algorithm written out: base64 HMAC-SHA1(token, url + name1 + value1 + name2 + value2 ...), names sorted. */
function signByHand(url: string, rawBody: Buffer, token = TOKEN): string {
  const fields = [...new URLSearchParams(rawBody.toString('utf8'))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data = fields.reduce((acc, [name, value]) => acc + name + value, url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

const request = (rawBody: Buffer, signature: string | undefined, url = URL_PLAIN) => ({
  url,
  rawBody,
  headers: signature === undefined ? {} : { 'X-Twilio-Signature': signature },
});

describe('X-Twilio-Signature', () => {
  it('accepts the signature computed by hand, and agrees with the twilio package', () => {
    const raw = body('text');
    const signature = signByHand(URL_PLAIN, raw);
    expect(signature).toBe(twilio.getExpectedTwilioSignature(TOKEN, URL_PLAIN, readForm(raw)));
    expect(verifySignature(request(raw, signature), CHANNEL)).toBe(true);
  });

  it('covers the query string of the public URL', () => {
    const raw = body('text');
    expect(verifySignature(request(raw, signByHand(URL_QUERY, raw), URL_QUERY), CHANNEL)).toBe(true);
    expect(verifySignature(request(raw, signByHand(URL_QUERY, raw), URL_PLAIN), CHANNEL)).toBe(false);
    expect(verifySignature(request(raw, signByHand(URL_PLAIN, raw), URL_QUERY), CHANNEL)).toBe(false);
  });

  it('is computed over decoded values: non-ASCII text passes, its percent-encoded form does not', () => {
    const raw = body('text-non-ascii');
    expect(raw.toString('utf8')).toContain('%C3%A9');
    expect(verifySignature(request(raw, signByHand(URL_PLAIN, raw)), CHANNEL)).toBe(true);
    const overEncoded = createHmac('sha1', TOKEN).update(URL_PLAIN + raw.toString('utf8')).digest('base64');
    expect(verifySignature(request(raw, overEncoded), CHANNEL)).toBe(false);
  });

  it('covers status callbacks the same way', () => {
    const raw = body('status-undelivered');
    expect(verifySignature(request(raw, signByHand(URL_PLAIN, raw)), CHANNEL)).toBe(true);
  });

  it('rejects another token, a changed field, an added field and a wrong URL', () => {
    const raw = body('text');
    const signature = signByHand(URL_PLAIN, raw);
    expect(verifySignature(request(raw, signByHand(URL_PLAIN, raw, 'another-token')), CHANNEL)).toBe(false);
    expect(verifySignature(request(Buffer.from(raw.toString('utf8').replace('Body=Hi', 'Body=Ho')), signature), CHANNEL)).toBe(false);
    expect(verifySignature(request(Buffer.concat([raw, Buffer.from('&Extra=1')]), signature), CHANNEL)).toBe(false);
    expect(verifySignature(request(raw, signature, URL_PLAIN.replace('gw.', 'other.')), CHANNEL)).toBe(false);
  });

  it('returns false, never throws, for a missing, empty, repeated or malformed header or an unparseable URL', () => {
    const raw = body('text');
    const signature = signByHand(URL_PLAIN, raw);
    expect(verifySignature(request(raw, undefined), CHANNEL)).toBe(false);
    expect(verifySignature(request(raw, ''), CHANNEL)).toBe(false);
    expect(verifySignature(request(raw, signature.slice(0, -2)), CHANNEL)).toBe(false);
    expect(verifySignature(request(raw, 'not base64 at all ✓'), CHANNEL)).toBe(false);
    expect(verifySignature({ url: URL_PLAIN, rawBody: raw, headers: { 'x-twilio-signature': [signature, signature] } }, CHANNEL)).toBe(false);
    expect(() => verifySignature(request(raw, signature, 'not a url'), CHANNEL)).not.toThrow();
    expect(verifySignature(request(raw, signature, 'not a url'), CHANNEL)).toBe(false);
  });

  it('a default port in the configured URL does not matter (Twilio may sign either form)', () => {
    const raw = body('text');
    const withPort = URL_PLAIN.replace('gw.example.test', 'gw.example.test:443');
    expect(verifySignature(request(raw, signByHand(withPort, raw)), CHANNEL)).toBe(true);
  });
});

describe('form fields', () => {
  it('decodes + as a space and UTF-8 percent escapes; a repeated field keeps its last value', () => {
    expect(readForm(Buffer.from('Body=caf%C3%A9+au+lait&Body=last&Empty='))).toEqual({ Body: 'last', Empty: '' });
  });

  it('finds a header whatever its case, and treats a repeated one as missing', () => {
    expect(headerValue({ 'X-Twilio-Signature': 'abc' }, 'x-twilio-signature')).toBe('abc');
    expect(headerValue({ 'x-twilio-signature': ['a', 'b'] }, 'x-twilio-signature')).toBeUndefined();
    expect(headerValue({}, 'x-twilio-signature')).toBeUndefined();
  });
});
