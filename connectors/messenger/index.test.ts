import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import axios from 'axios';
import { describe, expect, it } from 'vitest';
import type { ChannelAccess, WebhookRequest } from '../contract.js';
import { createMessengerConnector, type MessengerSecrets, type MessengerSettings } from './index.js';

const connector = createMessengerConnector({ http: axios.create({ baseURL: 'https://graph.example.test' }), graphVersion: 'v23.0' });
const channel: ChannelAccess<MessengerSettings, MessengerSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/messenger/ch1',
  settings: { pageId: '106385752155120', humanAgentEnabled: false },
  secrets: { pageAccessToken: 'page-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const MB = 1024 * 1024;
const sign = (body: Buffer, secret = 'app-secret') => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('createMessengerConnector', () => {
  it('declares what the channel can do', () => {
    expect(connector.type).toBe('messenger');
    expect(connector.capabilities).toEqual({
      window: { hours: 24, outside: 'tag', tags: ['HUMAN_AGENT', 'ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'], humanAgentHours: 168 },
      outbound: ['text', 'image', 'video', 'audio', 'document', 'interactive', 'reaction'],
      mediaMaxBytes: { image: 25 * MB, video: 25 * MB, audio: 25 * MB, document: 25 * MB, sticker: 25 * MB },
      sendPerSecond: 300,
      sendPerSecondByType: { audio: 10, video: 10 },
      templates: null,
      conversations: 'contact',
      reportsSent: false,
    });
    expect(connector.ackReply).toEqual({ status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' });
  });

  it('routes by the Page id and validates settings with its schemas', () => {
    expect(connector.accountIdOf(channel)).toBe('106385752155120');
    expect(connector.accountAliasesOf).toBeUndefined();
    expect(connector.settingsSchema.safeParse({ pageId: '106385752155120' }).success).toBe(true);
    expect(connector.secretsSchema.safeParse({ pageAccessToken: 'x' }).success).toBe(false);
  });
});

describe('windowRuleOf', () => {
  const rule = (settings: unknown) => connector.windowRuleOf?.({ settings: connector.settingsSchema.parse(settings) });

  it('HUMAN_AGENT only where the app was approved for it', () => {
    expect(rule({ pageId: '1', humanAgentEnabled: true })).toEqual({
      hours: 24,
      outside: 'tag',
      tags: ['HUMAN_AGENT', 'ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'],
      humanAgentHours: 168,
    });
    expect(rule({ pageId: '1' })).toEqual({
      hours: 24,
      outside: 'tag',
      tags: ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'],
      humanAgentHours: 168,
    });
  });

  it('settings stored before the flag existed count as not approved', () => {
    const legacy = { pageId: '1' } as MessengerSettings;
    expect(connector.windowRuleOf?.({ settings: legacy })).toMatchObject({ tags: ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'] });
  });
});

describe('webhook requests as the route hands them over', () => {
  const rawBody = readFileSync(new URL('./fixtures/text.json', import.meta.url));
  const req: WebhookRequest = { url: 'https://gw.example.test/webhooks/messenger/ch1', headers: { 'X-Hub-Signature-256': sign(rawBody) }, query: {}, rawBody };

  it('verifies X-Hub-Signature-256 (HMAC-SHA256 of the raw bytes with the app secret)', () => {
    expect(connector.verify(req, channel)).toBe(true);
    expect(connector.verify({ ...req, headers: {} }, channel)).toBe(false);
    expect(connector.verify({ ...req, headers: { 'x-hub-signature-256': sign(rawBody, 'another-secret') } }, channel)).toBe(false);
    expect(connector.verify({ ...req, rawBody: Buffer.concat([rawBody, Buffer.from('\n')]) }, channel)).toBe(false);
    expect(connector.verify(req, { ...channel, secrets: { ...channel.secrets, appSecret: 'other' } })).toBe(false);
    expect(connector.verify({ ...req, headers: { 'x-hub-signature-256': [sign(rawBody), sign(rawBody)] } }, channel)).toBe(false);
  });

  it('the signature covers the bytes as received: escaped non-ASCII passes, its re-serialized form does not', () => {
    const raw = readFileSync(new URL('./fixtures/text-non-ascii.json', import.meta.url));
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(connector.verify({ ...req, rawBody: raw, headers: { 'x-hub-signature-256': sign(raw) } }, channel)).toBe(true);
    expect(connector.verify({ ...req, rawBody: raw, headers: { 'x-hub-signature-256': sign(reserialized) } }, channel)).toBe(false);
  });

  it('parses the request body', () => {
    expect(connector.parse({ ...req, receivedAt: new Date() })).toMatchObject([{ kind: 'message', accountId: '106385752155120', content: { type: 'text' } }]);
  });

  it('answers the hub.* handshake with the challenge only for our verify token', () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify', 'hub.challenge': '1158201444' };
    expect(connector.handshake?.({ ...req, query }, channel)).toEqual({ status: 200, contentType: 'text/plain', body: '1158201444' });
    expect(connector.handshake?.({ ...req, query: { hub: { mode: 'subscribe', verify_token: 'verify', challenge: '42' } } }, channel)).toMatchObject({ status: 200, body: '42' });
    expect(connector.handshake?.({ ...req, query: { ...query, 'hub.verify_token': 'verif' } }, channel)).toMatchObject({ status: 403 });
    expect(connector.handshake?.({ ...req, query: { ...query, 'hub.mode': 'unsubscribe' } }, channel)).toMatchObject({ status: 403 });
    expect(connector.handshake?.({ ...req, query: {} }, channel)).toMatchObject({ status: 403 });
  });
});
