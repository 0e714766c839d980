import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { expect } from 'vitest';
import type { SendFailureOutcome } from '../../src/domain/message.js';
import { GRAPH_BASE_URL, signMeta } from '../support/harness.js';
import { statusWebhook, unix } from '../support/whatsapp-payloads.js';
import { describeConnectorContract } from './connector-contract.js';
import type { ConnectorKit, InboundContext } from './connector-kit.js';

const FIXTURES = new URL('../../connectors/whatsapp-cloud/fixtures/', import.meta.url);
const GRAPH_VERSION = 'v23.0';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** A fixture of the connector's own, re-addressed to the channel, the contact and the case's id and time. */
function fromFixture(name: string) {
  const raw = readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');
  return (ctx: InboundContext): Buffer => {
    const payload = JSON.parse(raw);
    const value = payload.entry[0].changes[0].value;
    value.metadata.phone_number_id = ctx.accountId;
    for (const contact of value.contacts ?? []) contact.wa_id = ctx.contact;
    const message = value.messages[0];
    message.from = ctx.contact;
    message.id = `wamid.${ctx.id}`;
    message.timestamp = String(unix(ctx.at));
    return Buffer.from(JSON.stringify(payload));
  };
}

/** Graph API errors as Meta answers them, by the outcome the connector must read from the code. */
const GRAPH_ERRORS: Record<SendFailureOutcome, [number, object]> = {
  retry: [503, { error: { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2, fbtrace_id: 'AbCdEf' } }],
  final: [400, { error: { message: 'Message undeliverable', type: 'OAuthException', code: 131026, error_data: { details: 'Message undeliverable' } } }],
  window_closed: [
    400,
    { error: { message: 'Re-engagement message', type: 'OAuthException', code: 131047, error_data: { details: 'More than 24 hours have passed since the recipient last replied' } } },
  ],
};

const sendsTo = (phoneNumberId: string, to: string) =>
  nock(GRAPH_BASE_URL).post(`/${GRAPH_VERSION}/${phoneNumberId}/messages`, (body: { to?: string }) => body.to === to);

const kit: ConnectorKit = {
  type: 'whatsapp-cloud',
  channel() {
    const phoneNumberId = `1${digits(14)}`;
    return {
      settings: { phoneNumberId, wabaId: `2${digits(14)}` },
      secrets: { accessToken: `EAAG${randomBytes(16).toString('hex')}`, appSecret: randomBytes(16).toString('hex'), verifyToken: randomBytes(8).toString('hex') },
    };
  },
  contact: () => `1555${digits(7)}`,
  contentType: 'application/json',
  sign: ({ body }, secrets) => ({ 'x-hub-signature-256': signMeta(body, secrets.appSecret ?? '') }),
  inbound: [
    { type: 'text', body: fromFixture('text'), expect: { text: 'Hi, is my order on its way?' } },
    {
      type: 'image',
      body: fromFixture('image'),
      expect: { caption: 'The damaged box', media: { providerMediaId: '1003383421387256', mimeType: 'image/jpeg' } },
    },
    { type: 'video', body: fromFixture('video'), expect: { caption: 'Unboxing', media: { providerMediaId: '1021004566419217', mimeType: 'video/mp4' } } },
    { type: 'audio', body: fromFixture('audio'), expect: { voice: true, media: { providerMediaId: '1164218121856312', mimeType: 'audio/ogg; codecs=opus' } } },
    {
      type: 'document',
      body: fromFixture('document'),
      expect: { filename: 'invoice-2025-05.pdf', caption: 'Invoice for May', media: { providerMediaId: '1376223850470167', mimeType: 'application/pdf' } },
    },
    { type: 'sticker', body: fromFixture('sticker'), expect: { media: { providerMediaId: '2093958207735219', mimeType: 'image/webp' } } },
    { type: 'location', body: fromFixture('location'), expect: { latitude: 37.483307, longitude: -122.148981, name: 'Meta Headquarters' } },
    { type: 'contacts', body: fromFixture('contacts'), expect: { contacts: [{ name: { formatted_name: 'Barbara J. Johnson' } }] } },
    {
      type: 'interactive_reply',
      name: 'interactive_reply (button)',
      body: fromFixture('interactive-button-reply'),
      expect: { reply: { kind: 'button', id: 'confirm-yes', title: 'Yes, confirm' } },
    },
    {
      type: 'interactive_reply',
      name: 'interactive_reply (list)',
      body: fromFixture('interactive-list-reply'),
      expect: { reply: { kind: 'list', id: 'slot-2', title: 'Tuesday 10:00', description: 'Main store' } },
    },
    { type: 'button_reply', body: fromFixture('button'), expect: { payload: 'STOP_PROMOS', text: 'Stop promotions' } },
    {
      type: 'reaction',
      body: fromFixture('reaction'),
      expect: { targetProviderMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUFERjg0NDEzNDdFODU3MUMx95AA=', emoji: '👍' },
    },
    { type: 'system', body: fromFixture('system'), expect: { systemType: 'user_changed_number', newExternalId: '16505550000' } },
    { type: 'unsupported', body: fromFixture('unsupported'), expect: { reason: expect.stringContaining('131051') } },
  ],
  status: (ctx) =>
    Buffer.from(
      JSON.stringify(statusWebhook(ctx.accountId, [{ id: ctx.providerMessageId, status: ctx.status, timestamp: unix(ctx.at), recipient: ctx.contact }])),
    ),
  sendStub: {
    success: ({ accountId, to, providerMessageId }) =>
      sendsTo(accountId, to).reply(200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: providerMessageId }] }),
    failure: ({ accountId, to }, kind) => {
      const [status, body] = GRAPH_ERRORS[kind];
      return sendsTo(accountId, to).reply(status, body).persist();
    },
  },
  freeForm: { type: 'text', text: 'Your order left the warehouse.' },
  outsideWindow: { hours: 24, refusedCode: 'window_closed' },
};

describeConnectorContract(kit);
