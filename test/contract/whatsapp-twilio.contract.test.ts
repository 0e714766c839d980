import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import twilio from 'twilio';
import { expect } from 'vitest';
import type { SendFailureOutcome } from '../../src/domain/message.js';
import { describeConnectorContract } from './connector-contract.js';
import type { ConnectorKit, InboundContext } from './connector-kit.js';

const FIXTURES = new URL('../../connectors/whatsapp-twilio/fixtures/', import.meta.url);
/** The twilio package always calls the real host; nock stands in for it. */
const TWILIO_API = 'https://api.twilio.com';
/** One Twilio account; each channel is a sender of its own in it. */
const ACCOUNT_SID = 'AC5ef8732a3c49700934481addd5ce1659';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
const form = (fields: URLSearchParams | Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());

/** A fixture of the connector's own, re-addressed to the channel's sender, the contact and the case's id. */
function fromFixture(name: string) {
  const raw = readFileSync(new URL(`${name}.txt`, FIXTURES), 'utf8').trim();
  return (ctx: InboundContext): Buffer => {
    const fields = new URLSearchParams(raw);
    const sid = `${fields.get('MessageSid')?.slice(0, 2) ?? 'SM'}${ctx.id}`;
    for (const name of ['MessageSid', 'SmsSid', 'SmsMessageSid']) fields.set(name, sid);
    fields.set('AccountSid', ACCOUNT_SID);
    fields.set('To', `whatsapp:${ctx.accountId}`);
    fields.set('From', `whatsapp:${ctx.contact}`);
    fields.set('WaId', ctx.contact.replace(/^\+/, ''));
    return form(fields);
  };
}

/** Twilio's REST errors, by the outcome the connector must read from the code. */
const TWILIO_ERRORS: Record<SendFailureOutcome, { status: number; code: number; message: string }> = {
  retry: { status: 429, code: 20429, message: 'Too Many Requests' },
  final: { status: 400, code: 21211, message: "Invalid 'To' Phone Number" },
  window_closed: { status: 400, code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.' },
};

/**
 * A reply with Content-Length, as Twilio sends it: the twilio client keeps connections alive, and
 * nock 14 leaves a reply without a length open on such a connection (nock/nock#3001).
 */
function withLength(status: number, body: object): [number, string, Record<string, string>] {
  const text = JSON.stringify(body);
  return [status, text, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }];
}

const sendsTo = (to: string) =>
  nock(TWILIO_API).post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, (fields: Record<string, string>) => fields.To === `whatsapp:${to}`);

const kit: ConnectorKit = {
  type: 'whatsapp-twilio',
  channel: () => ({
    settings: { accountSid: ACCOUNT_SID, sender: `+1415${digits(7)}` },
    secrets: { authToken: randomBytes(16).toString('hex') },
  }),
  contact: () => `+1650${digits(7)}`,
  contentType: 'application/x-www-form-urlencoded',
  sign: ({ url, body }, secrets) => ({
    'x-twilio-signature': twilio.getExpectedTwilioSignature(secrets.authToken ?? '', url, Object.fromEntries(new URLSearchParams(body.toString('utf8')))),
  }),
  inbound: [
    { type: 'text', body: fromFixture('text'), expect: { text: 'Hi, is my order on its way?' } },
    { type: 'image', body: fromFixture('image'), expect: { caption: 'The damaged box', media: { url: expect.stringMatching(/^https:\/\/api\.twilio\.com\//), mimeType: 'image/jpeg' } } },
    { type: 'video', body: fromFixture('video'), expect: { caption: 'Unboxing', media: { mimeType: 'video/mp4' } } },
    { type: 'audio', body: fromFixture('audio'), expect: { media: { mimeType: 'audio/ogg' } } },
    { type: 'document', body: fromFixture('document'), expect: { media: { mimeType: 'application/pdf' } } },
    { type: 'document', name: 'document (shared contact, a vCard)', body: fromFixture('contacts'), expect: { media: { mimeType: 'text/vcard' } } },
    { type: 'sticker', body: fromFixture('sticker'), expect: { media: { mimeType: 'image/webp' } } },
    {
      type: 'attachments',
      name: 'attachments (several media in one message)',
      body: fromFixture('media-multiple'),
      expect: { caption: 'Both sides of the receipt', attachments: [{ kind: 'image' }, { kind: 'image' }, { kind: 'document', mimeType: 'application/pdf' }] },
    },
    {
      type: 'location',
      body: fromFixture('location'),
      expect: { latitude: 37.483307, longitude: -122.148981, name: 'Main store', address: '1 Hacker Way, Menlo Park, CA 94025' },
    },
    { type: 'button_reply', body: fromFixture('button'), expect: { payload: 'TRACK_1234', text: 'Track my order' } },
    { type: 'unsupported', body: fromFixture('unsupported') },
  ],
  // Twilio's status callbacks carry no time: the core stamps them on receipt.
  status: (ctx) =>
    form({
      ChannelPrefix: 'whatsapp',
      ApiVersion: '2010-04-01',
      MessageStatus: ctx.status,
      SmsSid: ctx.providerMessageId,
      SmsStatus: ctx.status,
      To: `whatsapp:${ctx.contact}`,
      From: `whatsapp:${ctx.accountId}`,
      MessageSid: ctx.providerMessageId,
      ...(ctx.status === 'failed' && { ErrorCode: '63024', ErrorMessage: '' }),
      StructuredMessage: 'false',
      AccountSid: ACCOUNT_SID,
    }),
  sendStub: {
    success: ({ accountId, to, providerMessageId }) =>
      sendsTo(to).reply(
        ...withLength(201, {
          sid: providerMessageId,
          account_sid: ACCOUNT_SID,
          status: 'queued',
          to: `whatsapp:${to}`,
          from: `whatsapp:${accountId}`,
          num_media: '0',
          api_version: '2010-04-01',
        }),
      ),
    failure: ({ to }, kind) => {
      const { status, code, message } = TWILIO_ERRORS[kind];
      return sendsTo(to)
        .reply(...withLength(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }))
        .persist();
    },
  },
  freeForm: { type: 'text', text: 'Your order left the warehouse.' },
  outsideWindow: { hours: 24, refusedCode: 'window_closed' },
};

describeConnectorContract(kit);
