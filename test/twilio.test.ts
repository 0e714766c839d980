import { readFileSync } from 'node:fs';
import nock from 'nock';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

const HOUR = 3_600_000;
const ACCOUNT_SID = 'AC5ef8732a3c49700934481addd5ce1659';
const AUTH_TOKEN = 'twilio-test-auth-token';
const SENDER = '+14155238886';
const CUSTOMER = '+16505551234';
const CONTENT_SID = 'HX1234567890abcdef1234567890abcdef';

let h: Harness;
let key: string;
let channel: { id: string; webhookUrl: string };

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
  const ws = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'twilio' }, headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` } });
  key = ws.body.apiKey.key;
  const res = await h.api('POST', '/v1/channels', {
    key,
    body: { type: 'whatsapp-twilio', name: 'Twilio', settings: { accountSid: ACCOUNT_SID, sender: SENDER }, secrets: { authToken: AUTH_TOKEN } },
  });
  channel = res.body;
  // A Content API template, registered and approved (as a templates/whatsapp-twilio file would seed it).
  await h.ctx.store.templates.create({
    workspaceId: ws.body.workspace.id,
    channelId: channel.id,
    name: 'order_shipped',
    language: 'en',
    category: 'UTILITY',
    status: 'APPROVED',
    components: [{ type: 'BODY', text: 'Hi {{1}}, order {{2}} has shipped.' }],
    contentSid: CONTENT_SID,
    source: 'file',
  });
});
afterAll(async () => {
  await h.close();
});

/** Posts a form to the channel's webhook, signed as Twilio signs it (over the public URL). */
async function postForm(fields: Record<string, string>) {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, channel.webhookUrl, fields);
  const res = await h.api('POST', new URL(channel.webhookUrl).pathname, {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  });
  expect(res.status).toBe(200);
  expect(res.body).toContain('<Response></Response>');
}

/** The connector's own fixture of a message with three media: this channel's sender and account, this file's customer. */
const severalMedia = () =>
  Object.fromEntries(new URLSearchParams(readFileSync(new URL('../connectors/whatsapp-twilio/fixtures/media-multiple.txt', import.meta.url), 'utf8')));

/** What Twilio serves at the fixture's MediaUrl0..2. */
const RECEIPT = [
  { kind: 'image', bytes: Buffer.from('front of the receipt, as JPEG'), mimeType: 'image/jpeg' },
  { kind: 'image', bytes: Buffer.from('back of the receipt, as JPEG'), mimeType: 'image/jpeg' },
  { kind: 'document', bytes: Buffer.from('%PDF-1.4 the invoice'), mimeType: 'application/pdf' },
];

/** Twilio serving MediaUrl{n} behind Basic auth (its redirect to the CDN is the connector's own test). */
const mediaAt = (fields: Record<string, string>, n: number) =>
  nock('https://api.twilio.com')
    .get(new URL(fields[`MediaUrl${n}`] ?? '').pathname)
    .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN });

const allMediaStored = (providerMessageId: string | undefined) =>
  eventually(async () => {
    const m = await h.ctx.store.messages.findOne({ providerMessageId }).lean();
    return m?.content.type === 'attachments' && m.content.attachments.every((a) => a.state === 'stored') ? m : null;
  });

/** A Twilio REST answer with a length (the client keeps connections alive; nock/nock#3001). */
const answer = (status: number, body: object): [number, string, Record<string, string>] => {
  const text = JSON.stringify(body);
  return [status, text, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }];
};

describe('WhatsApp through Twilio, end to end', () => {
  it('outside the window sends only a registered template, by ContentSid with ContentVariables', async () => {
    const start = h.clock.now();
    await postForm({ MessageSid: 'SMin0001', AccountSid: ACCOUNT_SID, From: `whatsapp:${CUSTOMER}`, To: `whatsapp:${SENDER}`, Body: 'hi', NumMedia: '0', ProfileName: 'Ana', WaId: CUSTOMER.slice(1) });
    const inbound = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'SMin0001' }).lean());
    const conversationId = String(inbound.conversationId);

    h.clock.set(new Date(start.getTime() + 26 * HOUR));
    const free = await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key, body: { type: 'text', text: 'late' } });
    expect(free.body.error.code).toBe('window_closed');

    let fields: Record<string, string> = {};
    nock('https://api.twilio.com')
      .post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, (body: Record<string, string>) => {
        fields = body;
        return true;
      })
      .reply(...answer(201, { sid: 'SMout0001', status: 'queued' }));
    const res = await h.api('POST', `/v1/conversations/${conversationId}/messages`, {
      key,
      body: { type: 'template', template: { name: 'order_shipped', language: 'en', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'A-42' }] }] } },
    });
    expect(res.status).toBe(202);
    await eventually(async () => (await h.ctx.store.messages.findById(res.body.id).lean())?.status === 'accepted');
    expect(fields).toMatchObject({ ContentSid: CONTENT_SID, To: `whatsapp:${CUSTOMER}`, From: `whatsapp:${SENDER}`, StatusCallback: channel.webhookUrl });
    expect(JSON.parse(fields.ContentVariables ?? '{}')).toEqual({ '1': 'Ana', '2': 'A-42' });
    expect(fields.Body).toBeUndefined();
    h.clock.set(start);
  });

  it('several media in one message (NumMedia 3): one message, each item fetched and stored, shown in order', async () => {
    const fields = severalMedia();
    RECEIPT.forEach((file, n) => mediaAt(fields, n).reply(200, file.bytes, { 'content-type': file.mimeType }));
    await postForm(fields);

    const stored = await allMediaStored(fields.MessageSid);
    const listed = await h.api('GET', `/v1/conversations/${String(stored.conversationId)}/messages?limit=100`, { key });
    const fromTwilio = listed.body.data.filter((m: { providerMessageId: string | null }) => m.providerMessageId?.startsWith(fields.MessageSid ?? '-'));
    expect(fromTwilio).toHaveLength(1);
    const [message] = fromTwilio;
    expect(message).toMatchObject({
      type: 'attachments',
      content: {
        type: 'attachments',
        caption: 'Both sides of the receipt',
        attachments: RECEIPT.map((file, n) => ({ kind: file.kind, url: fields[`MediaUrl${n}`], mimeType: file.mimeType, state: 'stored', size: file.bytes.length })),
      },
    });
    const served = await Promise.all(
      message.content.attachments.map(async (a: { storedId: string }) => {
        const res = await fetch(`${h.baseUrl}/v1/media/${a.storedId}`, { headers: { authorization: `Bearer ${key}` } });
        return Buffer.from(await res.arrayBuffer()).toString();
      }),
    );
    expect(served).toEqual(RECEIPT.map((f) => f.bytes.toString()));
  });

  it('several media: a retried fetch job downloads only the items still pending', async () => {
    const sid = 'MM3f2a9c1e8b7d4605a1c2e3f4b5a60019';
    const fields = { ...severalMedia(), MessageSid: sid, SmsSid: sid, SmsMessageSid: sid };
    // Each answer is given once: the second item fails the first attempt, and the retry must ask
    // again for it and the third alone (a second request for the first would find no answer).
    const [front, back, invoice] = RECEIPT;
    mediaAt(fields, 0).reply(200, front!.bytes, { 'content-type': front!.mimeType });
    mediaAt(fields, 1).reply(503, 'Service Unavailable');
    mediaAt(fields, 1).reply(200, back!.bytes, { 'content-type': back!.mimeType });
    mediaAt(fields, 2).reply(200, invoice!.bytes, { 'content-type': invoice!.mimeType });
    await postForm(fields);

    const stored = await allMediaStored(sid);
    expect(stored.content.type === 'attachments' && stored.content.attachments.map((a) => a.size)).toEqual(RECEIPT.map((f) => f.bytes.length));
    expect(nock.isDone()).toBe(true);
  });

  it('63016 reported in a status callback fails the message as window_closed', async () => {
    await postForm({ MessageSid: 'SMin0002', AccountSid: ACCOUNT_SID, From: `whatsapp:${CUSTOMER}`, To: `whatsapp:${SENDER}`, Body: 'again', NumMedia: '0' });
    const inbound = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'SMin0002' }).lean());
    nock('https://api.twilio.com').post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`).reply(...answer(201, { sid: 'SMout0002', status: 'queued' }));
    const res = await h.api('POST', `/v1/conversations/${String(inbound.conversationId)}/messages`, { key, body: { type: 'text', text: 'accepted, then refused' } });
    await eventually(async () => (await h.ctx.store.messages.findById(res.body.id).lean())?.status === 'accepted');

    await postForm({
      MessageSid: 'SMout0002',
      AccountSid: ACCOUNT_SID,
      From: `whatsapp:${SENDER}`,
      To: `whatsapp:${CUSTOMER}`,
      MessageStatus: 'undelivered',
      SmsStatus: 'undelivered',
      ErrorCode: '63016',
      ErrorMessage: 'Failed to send freeform message because you are outside the allowed window.',
    });
    const failed = await eventually(async () => {
      const m = await h.ctx.store.messages.findById(res.body.id).lean();
      return m?.status === 'failed' ? m : null;
    });
    expect(failed.error).toMatchObject({ code: '63016', outcome: 'window_closed' });
  });
});
