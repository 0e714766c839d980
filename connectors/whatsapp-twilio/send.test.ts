import axios from 'axios';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { type ChannelAccess, type OutboundSend } from '../contract.js';
import type { MessageContent, TemplateSend } from '../../src/domain/message.js';
import type { TemplateDefinition } from '../../src/domain/template.js';
import { createWhatsAppTwilioConnector, type WhatsAppTwilioSecrets, type WhatsAppTwilioSettings } from './index.js';
import { useStrictNock, refusal } from '../support/testing.js';

const API = 'https://api.twilio.com';
const ACC = 'AC5ef8732a3c49700934481addd5ce1659';
const TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const MESSAGES = `/2010-04-01/Accounts/${ACC}/Messages.json`;
const WEBHOOK = 'https://gw.example.test/webhooks/whatsapp-twilio/6650d3f1c2a4b5e6f7a8b9c0';
const TO = '+16505551234';
const OUT_SID = 'SM9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a';

const connector = createWhatsAppTwilioConnector({ http: axios.create({ baseURL: API }) });
const channel: ChannelAccess<WhatsAppTwilioSettings, WhatsAppTwilioSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: WEBHOOK,
  settings: { accountSid: ACC, sender: '+14155238886' },
  secrets: { authToken: TOKEN },
};

const noStoredMedia = () => Promise.reject(new Error('no stored media in this test'));
const send = (content: MessageContent, extra: Partial<OutboundSend> = {}, on = channel) =>
  connector.send({ to: TO, content, loadStoredMedia: noStoredMedia, ...extra }, on);

/** Twilio's answer to a create: the message resource, queued. */
const queued = { sid: OUT_SID, account_sid: ACC, status: 'queued', to: `whatsapp:${TO}`, from: 'whatsapp:+14155238886', num_media: '0', api_version: '2010-04-01' };

interface Captured {
  fields: [string, string][];
  authorization: string | undefined;
  contentType: string | undefined;
}

/** Answers one create like Twilio and records what was posted, field by field in order. */
function expectCreate(reply: { status: number; body: unknown } = { status: 201, body: queued }): Captured {
  const captured: Captured = { fields: [], authorization: undefined, contentType: undefined };
  nock(API)
    .post(MESSAGES)
    .reply(function (_uri, requestBody) {
      captured.fields = [...new URLSearchParams(String(requestBody))];
      captured.authorization = this.req.headers.authorization;
      captured.contentType = this.req.headers['content-type'];
      return withLength(reply.status, reply.body);
    });
  return captured;
}

/**
 * A reply with Content-Length, as Twilio sends it. The twilio client asks for keep-alive, and
 * nock 14 leaves a reply without a length open on such a connection (nock/nock#3001).
 */
function withLength(status: number, body: unknown): [number, string, Record<string, string>] {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/html' : 'application/json';
  return [status, text, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(text)) }];
}

const fieldsOf = (c: Captured) => Object.fromEntries(c.fields);
const basic = `Basic ${Buffer.from(`${ACC}:${TOKEN}`).toString('base64')}`;

useStrictNock();

describe('request bodies', () => {
  it('text: From and To as whatsapp: addresses, StatusCallback to the channel webhook, Basic auth, form-encoded', async () => {
    const captured = expectCreate();
    await expect(send({ type: 'text', text: 'Your order ships today ✓' })).resolves.toEqual({ providerMessageId: OUT_SID });
    expect(fieldsOf(captured)).toEqual({ To: `whatsapp:${TO}`, StatusCallback: WEBHOOK, From: 'whatsapp:+14155238886', Body: 'Your order ships today ✓' });
    expect(captured.authorization).toBe(basic);
    expect(captured.contentType).toBe('application/x-www-form-urlencoded');
  });

  it('a Messaging Service replaces From; a sender written with its whatsapp: prefix is not prefixed twice', async () => {
    const viaService = expectCreate();
    const messagingServiceSid = 'MG0123456789abcdef0123456789abcdef';
    await send({ type: 'text', text: 'hi' }, {}, { ...channel, settings: { ...channel.settings, messagingServiceSid } });
    expect(fieldsOf(viaService)).toEqual({ To: `whatsapp:${TO}`, StatusCallback: WEBHOOK, MessagingServiceSid: messagingServiceSid, Body: 'hi' });

    const prefixed = expectCreate();
    await send({ type: 'text', text: 'hi' }, {}, { ...channel, settings: { ...channel.settings, sender: 'whatsapp:+14155238886' } });
    expect(fieldsOf(prefixed).From).toBe('whatsapp:+14155238886');
  });

  it('a business-scoped recipient id is addressed as is', async () => {
    const captured = expectCreate();
    await send({ type: 'text', text: 'hi' }, { to: 'US.13491208655302741918' });
    expect(fieldsOf(captured).To).toBe('whatsapp:US.13491208655302741918');
  });

  it('image by URL, with the caption as Body', async () => {
    const captured = expectCreate();
    await send({ type: 'image', media: { url: 'https://cdn.example.test/receipt.jpg' }, caption: 'Your receipt' });
    expect(fieldsOf(captured)).toMatchObject({ MediaUrl: 'https://cdn.example.test/receipt.jpg', Body: 'Your receipt' });
  });

  it('document by URL without Body (Twilio sets no filename: the URL host names the file)', async () => {
    const captured = expectCreate();
    await send({ type: 'document', media: { url: 'https://cdn.example.test/invoice.pdf' }, filename: 'invoice.pdf' });
    expect(fieldsOf(captured)).toEqual({ To: `whatsapp:${TO}`, StatusCallback: WEBHOOK, From: 'whatsapp:+14155238886', MediaUrl: 'https://cdn.example.test/invoice.pdf' });
  });

  it('a reply is sent as a plain message (Twilio has no quoted replies on WhatsApp)', async () => {
    const captured = expectCreate();
    await send({ type: 'text', text: 'Sure' }, { replyToProviderMessageId: 'SM3f2a9c1e8b7d4605a1c2e3f4b5a60001' });
    expect(captured.fields.map(([name]) => name)).toEqual(['To', 'StatusCallback', 'From', 'Body']);
  });
});

describe('templates: ContentSid and ContentVariables, no Body', () => {
  const definition = (contentSid?: string): TemplateDefinition => ({
    name: 'order_update',
    language: 'en',
    category: 'UTILITY',
    status: 'APPROVED',
    components: [{ type: 'BODY', text: 'Hi {{1}}, order {{2}} ships on {{3}} for {{4}}.' }],
    ...(contentSid && { contentSid }),
  });
  const CONTENT_SID = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';
  const positional: TemplateSend = {
    name: 'order_update',
    language: 'en',
    components: [
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ana' },
          { type: 'text', text: '#1234' },
          { type: 'date_time', date_time: { fallback_value: 'Tuesday' } },
          { type: 'currency', currency: { fallback_value: '€12.50', code: 'EUR', amount_1000: 12500 } },
        ],
      },
    ],
  };

  it('positional body parameters become "1", "2", ...', async () => {
    const captured = expectCreate();
    await send({ type: 'template', template: positional }, { template: definition(CONTENT_SID) });
    expect(fieldsOf(captured)).toEqual({
      To: `whatsapp:${TO}`,
      StatusCallback: WEBHOOK,
      From: 'whatsapp:+14155238886',
      ContentSid: CONTENT_SID,
      ContentVariables: '{"1":"Ana","2":"#1234","3":"Tuesday","4":"€12.50"}',
    });
    expect(captured.fields.some(([name]) => name === 'Body')).toBe(false);
  });

  it('named parameters keep their names; a template without parameters sends no ContentVariables', async () => {
    const named = expectCreate();
    await send(
      { type: 'template', template: { name: 'order_update', language: 'en', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana', parameter_name: 'first_name' }] }] } },
      { template: definition(CONTENT_SID) },
    );
    expect(JSON.parse(fieldsOf(named).ContentVariables ?? '')).toEqual({ first_name: 'Ana' });

    const bare = expectCreate();
    await send({ type: 'template', template: { name: 'hello', language: 'en', components: [] } }, { template: definition(CONTENT_SID) });
    expect(fieldsOf(bare)).toEqual({ To: `whatsapp:${TO}`, StatusCallback: WEBHOOK, From: 'whatsapp:+14155238886', ContentSid: CONTENT_SID });
  });

  it('without a registered ContentSid nothing is sent', async () => {
    const err = await refusal(send({ type: 'template', template: positional }, { template: definition() }));
    expect(err).toMatchObject({ code: 'template_not_addressable', outcome: 'final' });
    expect(await refusal(send({ type: 'template', template: positional }))).toMatchObject({ code: 'template_not_addressable' });
  });

  it('parameters outside the body, or without a text value, are refused', async () => {
    const header: TemplateSend = { ...positional, components: [{ type: 'header', parameters: [{ type: 'text', text: 'x' }] }] };
    expect(await refusal(send({ type: 'template', template: header }, { template: definition(CONTENT_SID) }))).toMatchObject({
      code: 'template_parameters_unsupported',
      outcome: 'final',
    });
    const image: TemplateSend = { ...positional, components: [{ type: 'body', parameters: [{ type: 'image', image: { link: 'https://cdn.example.test/a.png' } }] }] };
    expect(await refusal(send({ type: 'template', template: image }, { template: definition(CONTENT_SID) }))).toMatchObject({ code: 'content_invalid' });
  });
});

describe('content refused before calling Twilio', () => {
  it.each<[string, MessageContent, string]>([
    ['stored media without a public URL', { type: 'image', media: { storedId: 'st1' } }, 'media_url_required'],
    ['media without a source', { type: 'video', media: {} }, 'media_missing'],
    ['a media URL that is not HTTP(S)', { type: 'image', media: { url: 'ftp://cdn.example.test/a.jpg' } }, 'content_invalid'],
    ['text over 1600 characters', { type: 'text', text: 'x'.repeat(1601) }, 'content_too_long'],
    ['empty text', { type: 'text', text: '  ' }, 'content_invalid'],
    ['a caption over 1024 characters', { type: 'image', media: { url: 'https://cdn.example.test/a.jpg' }, caption: 'c'.repeat(1025) }, 'content_too_long'],
    ['a caption on a document', { type: 'document', media: { url: 'https://cdn.example.test/a.pdf' }, caption: 'Invoice' }, 'content_invalid'],
    ['a caption on audio', { type: 'audio', media: { url: 'https://cdn.example.test/a.ogg' }, caption: 'listen' }, 'content_invalid'],
    ['a sticker', { type: 'sticker', media: { url: 'https://cdn.example.test/s.webp' } }, 'unsupported_content'],
    ['a location', { type: 'location', latitude: 38.7, longitude: -9.1 }, 'unsupported_content'],
    ['interactive buttons', { type: 'interactive', interactive: { kind: 'buttons', body: 'b', buttons: [{ id: 'y', title: 'Yes' }] } }, 'unsupported_content'],
    ['a reaction', { type: 'reaction', targetProviderMessageId: 'SM1', emoji: '👍' }, 'unsupported_content'],
  ])('%s', async (_name, content, code) => {
    expect(await refusal(send(content))).toMatchObject({ code, outcome: 'final' });
  });

  it('1600 characters exactly, counted as characters (an emoji is one), are sent', async () => {
    const text = '👍'.repeat(1600);
    const captured = expectCreate();
    await send({ type: 'text', text });
    expect(fieldsOf(captured).Body).toBe(text);
  });
});

describe('Twilio errors mapped to outcomes by code', () => {
  const text: MessageContent = { type: 'text', text: 'hello' };
  const twilioError = (status: number, code: number, message = 'the message text is not used to decide') => ({
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });

  it.each([
    [400, 63016, 'window_closed'],
    [429, 20429, 'retry'],
    [400, 63018, 'retry'],
    [500, 20500, 'retry'],
    [400, 21211, 'final'],
    [400, 21614, 'final'],
    [400, 63024, 'final'],
    [400, 63032, 'final'],
    [401, 20003, 'final'],
    [503, 63016, 'window_closed'],
    [400, 99999, 'final'],
    [502, 99999, 'retry'],
  ])('HTTP %i code %i → %s, the code kept as a string', async (status, code, outcome) => {
    expectCreate(twilioError(status, code));
    expect(await refusal(send(text))).toMatchObject({ code: String(code), outcome });
  });

  it('the title is Twilio’s message', async () => {
    expectCreate(twilioError(400, 21211, "The 'To' number whatsapp:+1650 is not a valid phone number."));
    expect(await refusal(send(text))).toMatchObject({ title: "The 'To' number whatsapp:+1650 is not a valid phone number." });
  });

  it('an RFC 9457 problem answer (newer Twilio APIs) is read the same way', async () => {
    expectCreate({
      status: 400,
      body: { type: 'https://www.twilio.com/docs/errors/21211', title: 'Invalid To number', status: 400, code: 21211, detail: 'whatsapp:+1650 is not a phone number' },
    });
    expect(await refusal(send(text))).toMatchObject({ code: '21211', outcome: 'final', title: 'Invalid To number: whatsapp:+1650 is not a phone number' });
  });

  it('HTTP 500 without a Twilio body → retry', async () => {
    expectCreate({ status: 500, body: '<html>Internal Server Error</html>' });
    expect(await refusal(send(text))).toMatchObject({ code: 'http_500', outcome: 'retry' });
  });

  it('HTTP 429 without a code → retry (no automatic retry inside the twilio client)', async () => {
    expectCreate({ status: 429, body: '' });
    expect(await refusal(send(text))).toMatchObject({ code: 'http_429', outcome: 'retry' });
  });

  it('no answer (connection reset) → retry', async () => {
    nock(API).post(MESSAGES).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await refusal(send(text))).toMatchObject({ code: 'network_error', outcome: 'retry' });
  });

  it('a success without a sid is final (a retry could send twice)', async () => {
    expectCreate({ status: 201, body: { status: 'queued' } });
    expect(await refusal(send(text))).toMatchObject({ code: 'invalid_response', outcome: 'final' });
  });
});
