import { readFileSync } from 'node:fs';
import axios from 'axios';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { ChannelAccess, WebhookRequest } from '../contract.js';
import { readForm } from './form.js';
import { createWhatsAppTwilioConnector, type WhatsAppTwilioSecrets, type WhatsAppTwilioSettings } from './index.js';

const AT = new Date('2025-06-08T20:59:43.000Z');
const connector = createWhatsAppTwilioConnector({ http: axios.create({ baseURL: 'https://api.twilio.com' }) });
const channel: ChannelAccess<WhatsAppTwilioSettings, WhatsAppTwilioSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gw.example.test/webhooks/whatsapp-twilio/ch1',
  settings: { accountSid: 'AC5ef8732a3c49700934481addd5ce1659', sender: 'whatsapp:+14155238886' },
  secrets: { authToken: 'f0e1d2c3b4a5968778695a4b3c2d1e0f' },
};
const MB = 1024 * 1024;

describe('createWhatsAppTwilioConnector', () => {
  it('declares what the channel can do, and answers with empty TwiML', () => {
    expect(connector.type).toBe('whatsapp-twilio');
    expect(connector.capabilities).toEqual({
      window: { hours: 24, outside: 'template' },
      outbound: ['text', 'image', 'video', 'audio', 'document', 'template'],
      mediaMaxBytes: { image: 5 * MB, video: 16 * MB, audio: 16 * MB, document: 16 * MB, sticker: 512 * 1024 },
      sendPerSecond: 10,
      templates: 'content-sid',
      conversations: 'contact',
      reportsSent: true,
    });
    expect(connector.ackReply).toEqual({ status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' });
    expect(connector.handshake).toBeUndefined();
    expect(connector.listTemplates).toBeUndefined();
  });

  it('routes by the sender without its whatsapp: prefix, as inbound To names it', () => {
    expect(connector.accountIdOf(channel)).toBe('+14155238886');
    expect(connector.accountIdOf({ ...channel, settings: { ...channel.settings, sender: '+14155238886' } })).toBe('+14155238886');
    expect(connector.settingsSchema.safeParse(channel.settings).success).toBe(true);
    expect(connector.secretsSchema.safeParse({}).success).toBe(false);
  });

  it('verifies and parses a request as the webhook route hands it over, stamped with the time it was received', () => {
    const rawBody = readFileSync(new URL('./fixtures/text.txt', import.meta.url));
    const url = `${channel.webhookUrl}?v=1`;
    const signature = twilio.getExpectedTwilioSignature(channel.secrets.authToken, url, readForm(rawBody));
    const req: WebhookRequest = {
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      query: { v: '1' },
      rawBody,
    };
    expect(connector.verify(req, channel)).toBe(true);
    expect(connector.verify({ ...req, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, channel)).toBe(false);
    expect(connector.verify(req, { ...channel, secrets: { authToken: 'other' } })).toBe(false);

    // Twilio's webhooks carry no time: events take the time the request was received.
    const events = connector.parse({ ...req, receivedAt: AT });
    expect(events).toMatchObject([{ kind: 'message', accountId: connector.accountIdOf(channel), timestamp: AT, content: { type: 'text' } }]);
    const later = new Date(AT.getTime() + 60_000);
    expect(connector.parse({ ...req, receivedAt: later })).toMatchObject([{ timestamp: later }]);
  });
});
