import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import axios from 'axios';
import { describe, expect, it } from 'vitest';
import type { ChannelAccess, WebhookRequest } from '../contract.js';
import { createWhatsAppCloudConnector, type WhatsAppCloudSecrets, type WhatsAppCloudSettings } from './index.js';

const connector = createWhatsAppCloudConnector({ http: axios.create({ baseURL: 'https://graph.example.test' }), graphVersion: 'v23.0' });
const channel: ChannelAccess<WhatsAppCloudSettings, WhatsAppCloudSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/whatsapp-cloud/ch1',
  settings: { phoneNumberId: '106540352242922', wabaId: '102290129340398' },
  secrets: { accessToken: 'test-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const MB = 1024 * 1024;

describe('createWhatsAppCloudConnector', () => {
  it('declares what the channel can do', () => {
    expect(connector.type).toBe('whatsapp-cloud');
    expect(connector.capabilities).toEqual({
      window: { hours: 24, outside: 'template' },
      outbound: ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'template', 'interactive', 'reaction'],
      mediaMaxBytes: { image: 5 * MB, video: 16 * MB, audio: 16 * MB, document: 100 * MB, sticker: 512 * 1024 },
      sendPerSecond: 80,
      templates: 'name-language',
      conversations: 'contact',
      reportsSent: true,
    });
    expect(connector.ackReply).toEqual({ status: 200, contentType: 'application/json', body: '{"received":true}' });
  });

  it('routes by the phone number id and validates settings with its schemas', () => {
    expect(connector.accountIdOf(channel)).toBe('106540352242922');
    expect(connector.settingsSchema.safeParse(channel.settings).success).toBe(true);
    expect(connector.secretsSchema.safeParse({ accessToken: 'x' }).success).toBe(false);
  });

  it('verifies, answers the handshake and parses a request as the webhook route hands it over', () => {
    const rawBody = readFileSync(new URL('./fixtures/text.json', import.meta.url));
    const signature = `sha256=${createHmac('sha256', 'app-secret').update(rawBody).digest('hex')}`;
    const req: WebhookRequest = { url: 'https://gw.example.test/webhooks/whatsapp-cloud/ch1', headers: { 'x-hub-signature-256': signature }, query: {}, rawBody };
    expect(connector.verify(req, channel)).toBe(true);
    expect(connector.verify({ ...req, headers: {} }, channel)).toBe(false);
    expect(connector.verify(req, { ...channel, secrets: { ...channel.secrets, appSecret: 'other' } })).toBe(false);
    expect(connector.parse({ ...req, receivedAt: new Date() })).toMatchObject([{ kind: 'message', accountId: '106540352242922', content: { type: 'text' } }]);

    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify', 'hub.challenge': '77' };
    expect(connector.handshake?.({ ...req, query }, channel)).toMatchObject({ status: 200, body: '77' });
    expect(connector.handshake?.({ ...req, query: { ...query, 'hub.verify_token': 'x' } }, channel)).toMatchObject({ status: 403 });
  });
});
