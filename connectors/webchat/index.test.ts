import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWebchatConnector } from './index.js';
import { isVouchedUser } from './identity.js';
import { secretsSchema, settingsSchema } from './settings.js';
import { visitorEventBytes } from './visitor-event.js';
import { issueVisitorToken, readVisitorToken } from './visitor-token.js';

const connector = createWebchatConnector();
const settings = settingsSchema.parse({ allowedOrigins: ['https://shop.example/some/page'] });
const secrets = secretsSchema.parse({ identitySecret: 'identity-secret-0123' });
const channel = { id: 'ch1', workspaceId: 'ws1', webhookUrl: '', settings, secrets };
const NOW = new Date('2026-03-01T12:00:00Z');
const token = (visitorId: string, expiresAt = NOW.getTime() + 60_000) => issueVisitorToken(secrets.visitorTokenSecret, { channelId: 'ch1', visitorId, expiresAt });
const message = (visitorId: string) =>
  visitorEventBytes({ kind: 'message', account: settings.widgetId, visitorId, clientMessageId: 'c-1', text: 'Hello <b>there</b>' });
const request = (rawBody: Buffer, bearer?: string) => ({ url: '', query: {}, rawBody, headers: bearer ? { authorization: `Bearer ${bearer}` } : {}, receivedAt: NOW });

describe('web chat settings', () => {
  it('makes the widget id and the token secret, keeps origins as origins, fills the look in', () => {
    expect(settings.widgetId).toMatch(/^wc_/);
    expect(settings.allowedOrigins).toEqual(['https://shop.example']);
    expect(settings).toMatchObject({ title: 'Chat with us', colors: { primary: '#1f6feb', onPrimary: '#ffffff' }, promptChips: [] });
    expect(secrets.visitorTokenSecret.length).toBeGreaterThanOrEqual(32);
    expect(settingsSchema.safeParse({ allowedOrigins: [] }).success).toBe(false);
    expect(settingsSchema.safeParse({ allowedOrigins: ['https://a.example'], colors: { primary: 'red' } }).success).toBe(false);
  });
});

describe('visitor tokens', () => {
  it('are read back only with their secret, on their channel, before they expire', () => {
    const t = token('anon:1');
    expect(readVisitorToken(secrets.visitorTokenSecret, t, 'ch1', NOW)?.visitorId).toBe('anon:1');
    expect(readVisitorToken('another-secret-of-enough-length-000', t, 'ch1', NOW)).toBeNull();
    expect(readVisitorToken(secrets.visitorTokenSecret, t, 'ch2', NOW)).toBeNull();
    expect(readVisitorToken(secrets.visitorTokenSecret, t, 'ch1', new Date(NOW.getTime() + 60_000))).toBeNull();
    const [body, signature] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ c: 'ch1', v: 'anon:2', e: NOW.getTime() + 60_000 })).toString('base64url');
    expect(readVisitorToken(secrets.visitorTokenSecret, `${forged}.${signature}`, 'ch1', NOW)).toBeNull();
    expect(readVisitorToken(secrets.visitorTokenSecret, `${body}.${signature}.x`, 'ch1', NOW)).toBeNull();
  });
});

describe('identity', () => {
  it('accepts a user id only with the HMAC of the identity secret', () => {
    const hash = createHmac('sha256', 'identity-secret-0123').update('u-7').digest('hex');
    expect(isVouchedUser('identity-secret-0123', 'u-7', hash)).toBe(true);
    expect(isVouchedUser('identity-secret-0123', 'u-8', hash)).toBe(false);
    expect(isVouchedUser(undefined, 'u-7', hash)).toBe(false);
  });
});

describe('the connector', () => {
  it("verifies the visitor's token against the visitor the event names", () => {
    expect(connector.verify(request(message('anon:1'), token('anon:1')), channel)).toBe(true);
    expect(connector.verify(request(message('anon:1'), token('anon:2')), channel)).toBe(false);
    expect(connector.verify(request(message('anon:1')), channel)).toBe(false);
    expect(connector.verify(request(message('anon:1'), token('anon:1', NOW.getTime() - 1)), channel)).toBe(false);
  });

  it('parses a message (provider id: visitor and client ids), a file and a receipt', async () => {
    expect(await connector.parse(request(message('anon:1')))).toEqual([
      {
        kind: 'message',
        accountId: settings.widgetId,
        providerMessageId: 'anon:1:c-1',
        from: { externalId: 'anon:1' },
        timestamp: NOW,
        content: { type: 'text', text: 'Hello <b>there</b>' },
      },
    ]);
    const media = { kind: 'image' as const, storedId: 'f1', mimeType: 'image/png', size: 12, filename: 'a.png' };
    const [file] = await connector.parse(request(visitorEventBytes({ kind: 'message', account: 'wc', visitorId: 'v', clientMessageId: 'c-2', media })));
    expect(file).toMatchObject({ content: { type: 'image', media: { storedId: 'f1', mimeType: 'image/png', size: 12, state: 'stored' }, filename: 'a.png' } });
    const [receipt] = await connector.parse(request(visitorEventBytes({ kind: 'receipt', account: 'wc', visitorId: 'v', status: 'read', watermark: NOW.toISOString() })));
    expect(receipt).toEqual({ kind: 'watermark', accountId: 'wc', contactExternalId: 'v', status: 'read', watermark: NOW });
  });

  it('records equal events as equal bytes, and refuses what the widget never sends', async () => {
    expect(message('anon:1').equals(message('anon:1'))).toBe(true);
    await expect(async () => connector.parse(request(Buffer.from('{"kind":"message"}')))).rejects.toThrow(/not one the widget sends/);
  });
});
