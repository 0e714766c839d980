import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { expect } from 'vitest';
import type { SendFailureOutcome } from '../../src/domain/message.js';
import { GRAPH_BASE_URL, signMeta } from '../support/harness.js';
import { pageWebhook, watermark } from '../support/messenger-payloads.js';
import { describeConnectorContract } from './connector-contract.js';
import type { ConnectorKit, InboundContext } from './connector-kit.js';

const FIXTURES = new URL('../../connectors/messenger/fixtures/', import.meta.url);
const GRAPH_VERSION = 'v23.0';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/**
 * One event of a fixture of the connector's own, re-addressed to the Page, the contact and the
 * case's id and time. `edit` trims the event to the one part the case is about.
 */
function fromFixture(name: string, opts: { event?: number; edit?: (event: any) => void } = {}) {
  const raw = readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');
  return (ctx: InboundContext): Buffer => {
    const entry = JSON.parse(raw).entry[0];
    const event = (entry.messaging ?? entry.standby)[opts.event ?? 0];
    event.sender = { id: ctx.contact };
    event.recipient = { id: ctx.accountId };
    event.timestamp = ctx.at.getTime();
    if (event.message) event.message.mid = `m_${ctx.id}`;
    if (event.postback) event.postback.mid = `m_${ctx.id}`;
    opts.edit?.(event);
    return Buffer.from(JSON.stringify({ object: 'page', entry: [{ id: ctx.accountId, time: ctx.at.getTime(), messaging: [event] }] }));
  };
}

/** attachments.json holds an image, a video and a file: one case each. */
const onlyAttachment = (index: number, keepText: boolean) => (event: any) => {
  event.message.attachments = [event.message.attachments[index]];
  if (!keepText) delete event.message.text;
};

/** Send API errors as Meta answers them, by the outcome the connector must read from code and subcode. */
const GRAPH_ERRORS: Record<SendFailureOutcome, [number, object]> = {
  retry: [500, { error: { message: 'Temporary send message failure. Please try again later.', type: 'OAuthException', code: 1200, fbtrace_id: 'AbCdEf' } }],
  final: [400, { error: { message: '(#100) No matching user found', type: 'OAuthException', code: 100, error_subcode: 2018001, fbtrace_id: 'AbCdEf' } }],
  window_closed: [
    400,
    {
      error: {
        message: '(#10) This message is sent outside of allowed window.',
        type: 'OAuthException',
        code: 10,
        error_subcode: 2018278,
        fbtrace_id: 'AbCdEf',
      },
    },
  ],
};

const sendsTo = (pageId: string, to: string) =>
  nock(GRAPH_BASE_URL).post(`/${GRAPH_VERSION}/${pageId}/messages`, (body: { recipient?: { id?: string } }) => body.recipient?.id === to);

const kit: ConnectorKit = {
  type: 'messenger',
  channel: () => ({
    settings: { pageId: `1${digits(14)}` },
    secrets: { pageAccessToken: `EAAG${randomBytes(16).toString('hex')}`, appSecret: randomBytes(16).toString('hex'), verifyToken: randomBytes(8).toString('hex') },
  }),
  contact: () => `7${digits(15)}`,
  contentType: 'application/json',
  sign: ({ body }, secrets) => ({ 'x-hub-signature-256': signMeta(body, secrets.appSecret ?? '') }),
  inbound: [
    { type: 'text', body: fromFixture('text'), expect: { text: 'Hi, is my order on its way?' } },
    {
      type: 'image',
      name: 'image (its text as caption)',
      body: fromFixture('attachments', { edit: onlyAttachment(0, true) }),
      expect: { caption: 'The box arrived like this', media: { url: expect.stringMatching(/^https:\/\/scontent\.xx\.fbcdn\.net\//) } },
    },
    { type: 'video', body: fromFixture('attachments', { edit: onlyAttachment(1, false) }), expect: { media: { url: expect.stringContaining('.mp4') } } },
    { type: 'audio', body: fromFixture('audio'), expect: { media: { url: expect.stringContaining('audioclip') } } },
    { type: 'document', body: fromFixture('attachments', { edit: onlyAttachment(2, false) }), expect: { filename: 'Invoice May 2025.pdf' } },
    { type: 'sticker', body: fromFixture('sticker'), expect: { media: { url: expect.stringContaining('fbcdn.net') } } },
    { type: 'location', body: fromFixture('location'), expect: { latitude: 38.7223, longitude: -9.1393, name: "Ana's Location" } },
    { type: 'button_reply', name: 'button_reply (quick reply)', body: fromFixture('quick-reply'), expect: { payload: 'slot-tue-10', text: 'Tuesday 10:00' } },
    { type: 'button_reply', name: 'button_reply (postback)', body: fromFixture('postback'), expect: { payload: 'GET_STARTED', text: 'Get Started' } },
    { type: 'reaction', body: fromFixture('reactions'), expect: { targetProviderMessageId: 'm_page_out_01', emoji: '❤️' } },
    { type: 'unsupported', body: fromFixture('unsupported', { event: 1 }), expect: { reason: expect.stringContaining('appointment_booking') } },
  ],
  // Messenger reports delivery and reads as watermarks over everything sent to the contact.
  status: (ctx) => {
    if (ctx.status !== 'delivered' && ctx.status !== 'read') return null;
    const kind = ctx.status === 'read' ? 'read' : 'delivery';
    return Buffer.from(JSON.stringify(pageWebhook(ctx.accountId, [watermark(ctx.accountId, ctx.contact, kind, ctx.at)])));
  },
  sendStub: {
    success: ({ accountId, to, providerMessageId }) => sendsTo(accountId, to).reply(200, { recipient_id: to, message_id: providerMessageId }),
    failure: ({ accountId, to }, kind) => {
      const [status, body] = GRAPH_ERRORS[kind];
      return sendsTo(accountId, to).reply(status, body).persist();
    },
  },
  freeForm: { type: 'text', text: 'Your order left the warehouse.' },
  outsideWindow: { hours: 24, refusedCode: 'window_closed' },
};

describeConnectorContract(kit);
