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
