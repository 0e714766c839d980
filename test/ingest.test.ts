import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWhatsAppWorkspace, eventually, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { messagesWebhook, statusWebhook, textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(() => h.close());

const post = (body: string | object, opts: { signature?: string | null; channelId?: string } = {}) => {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = opts.signature === undefined ? signMeta(raw, wa.appSecret) : opts.signature;
  if (signature) headers['x-hub-signature-256'] = signature;
  return h.api('POST', `/webhooks/whatsapp-cloud/${opts.channelId ?? wa.channelId}`, { body: raw, headers });
};

const messagesOf = (providerMessageId: string) => h.ctx.store.messages.find({ providerMessageId }).lean();

describe('verification handshake', () => {
  it('echoes the challenge when the verify token matches', async () => {
    const res = await h.api('GET', `/webhooks/whatsapp-cloud/${wa.channelId}?hub.mode=subscribe&hub.verify_token=${wa.verifyToken}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(res.body).toBe(1158201444);
  });

  it('refuses a wrong verify token with 403', async () => {
    const res = await h.api('GET', `/webhooks/whatsapp-cloud/${wa.channelId}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42`);
    expect(res.status).toBe(403);
  });
});

describe('signature and bad input', () => {
  const stored = () => h.ctx.store.rawEvents.countDocuments({ channelId: wa.channelId });

  it('rejects a wrong or missing signature with 401 and stores nothing', async () => {
    const before = await stored();
    const body = textMessage(wa.phoneNumberId, { id: 'wamid.BADSIG', from: '15551230000', timestamp: unix(h.clock.now()), text: 'hi' });
    const wrong = await post(body, { signature: signMeta(JSON.stringify(body), 'not-the-secret') });
    const missing = await post(body, { signature: null });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_signature');
    expect(missing.status).toBe(401);
    expect(await stored()).toBe(before);
    expect(await messagesOf('wamid.BADSIG')).toHaveLength(0);
  });

  it('checks the signature over the raw bytes, escaped non-ASCII included', async () => {
    const payload = textMessage(wa.phoneNumberId, { id: 'wamid.NONASCII', from: '15551230001', timestamp: unix(h.clock.now()), text: 'Olá, ação ✓' });
    // Meta escapes non-ASCII as \uXXXX; the signature covers exactly those bytes.
    const raw = JSON.stringify(payload).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(raw).toContain('\\u00e1');
    const reserialized = JSON.stringify(JSON.parse(raw));
    const rejected = await post(raw, { signature: signMeta(reserialized, wa.appSecret) });
    expect(rejected.status).toBe(401);
    const accepted = await post(raw);
    expect(accepted.status).toBe(200);
    const [message] = await eventually(async () => {
      const found = await messagesOf('wamid.NONASCII');
      return found.length ? found : null;
    });
    expect(message?.content).toEqual({ type: 'text', text: 'Olá, ação ✓' });
  });

  it('answers malformed JSON with 400 and stores nothing', async () => {
    const before = await stored();
    const res = await post('{"object": "whatsapp_business_account", "entry": [');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_payload');
    expect(await stored()).toBe(before);
  });

  it('answers a body whose Content-Encoding does not decode with 400, on webhooks and on the API, and stores nothing', async () => {
    const before = await stored();
    const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-hub-signature-256': signMeta(raw, wa.appSecret) };
    const webhook = await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, { body: raw, headers });
    expect(webhook.status).toBe(400);
    expect(webhook.body.error.code).toBe('invalid_body_encoding');
    const api = await h.api('POST', '/v1/labels', { key: wa.key, body: '{"name": "vip"}', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(api.status).toBe(400);
    expect(api.body.error.code).toBe('invalid_body_encoding');
    expect(await stored()).toBe(before);
  });

  it('answers a body that is not a WhatsApp webhook with 400', async () => {
    const res = await post({ hello: 'world' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_payload' });
  });

  it('answers bodies over 3 MB with 413 and stores nothing', async () => {
    const before = await stored();
    const big = JSON.stringify({ object: 'whatsapp_business_account', entry: [], pad: 'x'.repeat(3 * 1024 * 1024 + 10) });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await stored()).toBe(before);
  });

  it('answers unknown channel ids with 404', async () => {
    const body = textMessage(wa.phoneNumberId, { id: 'wamid.X', from: '1', timestamp: 1, text: 'x' });
    expect((await post(body, { channelId: '0123456789abcdef01234567' })).status).toBe(404);
    expect((await post(body, { channelId: 'not-an-id' })).status).toBe(404);
    expect((await h.api('POST', `/webhooks/no-such-connector/${wa.channelId}`, { body: '{}' })).status).toBe(404);
  });

  it('answers 503 when the event cannot be queued, and the provider retry is processed once', async () => {
    // Fault injection: Redis refuses the job after the raw event was written (the worst moment).
    const spy = vi.spyOn(h.ctx.queues.inbound, 'add').mockRejectedValueOnce(new Error('queue unavailable'));
    const body = textMessage(wa.phoneNumberId, { id: 'wamid.DOWN', from: '15551239999', timestamp: unix(h.clock.now()), text: 'x' });
    const res = await post(body);
    spy.mockRestore();
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('not_recorded');
    expect(await messagesOf('wamid.DOWN')).toHaveLength(0);
    // The provider retries: the recorded event is found and queued this time.
    expect((await post(body)).status).toBe(200);
    await eventually(async () => (await messagesOf('wamid.DOWN')).length === 1);
  });
});

describe('ingestion guarantees', () => {
  it('stores a text message with the provider timestamp and opens the 24h window', async () => {
    const sentAt = new Date('2026-01-15T09:30:00Z');
    const res = await post(textMessage(wa.phoneNumberId, { id: 'wamid.FIRST', from: '15550000001', timestamp: unix(sentAt), text: 'hello', name: 'Ana' }));
    expect(res.status).toBe(200);
    const message = await eventually(async () => (await messagesOf('wamid.FIRST'))[0]);
    expect(message.direction).toBe('inbound');
    expect(message.providerTimestamp?.toISOString()).toBe(sentAt.toISOString());
    const conversation = await h.ctx.store.conversations.findById(message.conversationId).lean();
    expect(conversation?.lastInboundAt?.toISOString()).toBe(sentAt.toISOString());
    const contact = await h.ctx.store.contacts.findById(message.contactId).lean();
    expect(contact).toMatchObject({ name: 'Ana', phone: '15550000001' });
  });

  it('a redelivered event, even after processing, creates nothing new', async () => {
    const body = textMessage(wa.phoneNumberId, { id: 'wamid.DUP', from: '15550000002', timestamp: unix(h.clock.now()), text: 'once' });
    await post(body);
    await eventually(async () => (await messagesOf('wamid.DUP')).length === 1);
    // The same event again, byte-identical and re-encoded differently (Meta may re-send either way).
    await post(body);
    await post(JSON.stringify(body, null, 2));
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: wa.channelId, state: 'received' })) === 0);
    expect(await messagesOf('wamid.DUP')).toHaveLength(1);
    const events = await h.ctx.store.events.countDocuments({ type: 'message.received', 'data.message.providerMessageId': 'wamid.DUP' });
    expect(events).toBe(1);
  });

  it('out-of-order delivery keeps the window at the newest message', async () => {
    const from = '15550000003';
    const newer = new Date('2026-01-15T09:50:00Z');
    const older = new Date('2026-01-15T08:00:00Z');
    await post(textMessage(wa.phoneNumberId, { id: 'wamid.NEWER', from, timestamp: unix(newer), text: 'second' }));
    await eventually(async () => (await messagesOf('wamid.NEWER')).length === 1);
    await post(textMessage(wa.phoneNumberId, { id: 'wamid.OLDER', from, timestamp: unix(older), text: 'first' }));
    const message = await eventually(async () => (await messagesOf('wamid.OLDER'))[0]);
    const conversation = await h.ctx.store.conversations.findById(message.conversationId).lean();
    expect(conversation?.lastInboundAt?.toISOString()).toBe(newer.toISOString());
    expect(await h.ctx.store.conversations.countDocuments({ contactId: message.contactId })).toBe(1);
  });

  it('concurrent first messages from a new contact make one contact and one open conversation', async () => {
    const from = '15550000004';
    const ts = unix(h.clock.now());
    const bodies = Array.from({ length: 8 }, (_, i) => textMessage(wa.phoneNumberId, { id: `wamid.RACE${i}`, from, timestamp: ts, text: `m${i}` }));
    const results = await Promise.all(bodies.map((b) => post(b)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await eventually(async () => (await h.ctx.store.messages.countDocuments({ providerMessageId: /^wamid\.RACE/ })) === 8);
    // Events follow the message insert: wait until every request's job has finished.
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: wa.channelId, state: 'received' })) === 0);
    const identities = await h.ctx.store.contactIdentities.find({ channelId: wa.channelId, externalId: from }).lean();
    expect(identities).toHaveLength(1);
    expect(await h.ctx.store.contacts.countDocuments({ _id: identities[0]?.contactId })).toBe(1);
    expect(await h.ctx.store.conversations.countDocuments({ contactId: identities[0]?.contactId })).toBe(1);
    expect(await h.ctx.store.events.countDocuments({ type: 'conversation.created', 'data.conversation.contactId': String(identities[0]?.contactId) })).toBe(1);
  });

  it('one POST carrying several messages stores them all', async () => {
    const ts = unix(h.clock.now());
    await post(
      messagesWebhook(wa.phoneNumberId, [
        { id: 'wamid.MULTI1', from: '15550000005', timestamp: ts, type: 'text', text: { body: 'a' } },
        { id: 'wamid.MULTI2', from: '15550000006', timestamp: ts, type: 'location', location: { latitude: 38.7, longitude: -9.1, name: 'Lisboa' } },
      ]),
    );
    const second = await eventually(async () => (await messagesOf('wamid.MULTI2'))[0]);
    expect(second.content).toMatchObject({ type: 'location', latitude: 38.7, longitude: -9.1 });
    expect(await messagesOf('wamid.MULTI1')).toHaveLength(1);
  });

  it('routes events by phone_number_id and skips accounts with no channel', async () => {
    await post(textMessage('999999999', { id: 'wamid.ELSEWHERE', from: '15550000007', timestamp: unix(h.clock.now()), text: 'x' }));
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: wa.channelId, state: 'received' })) === 0);
    expect(await messagesOf('wamid.ELSEWHERE')).toHaveLength(0);
  });

  it('a status for a message we never sent is kept aside, not an error', async () => {
    const res = await post(statusWebhook(wa.phoneNumberId, [{ id: 'wamid.UNKNOWN', status: 'delivered', timestamp: unix(h.clock.now()), recipient: '1555' }]));
    expect(res.status).toBe(200);
    await eventually(async () => h.ctx.store.earlyStatuses.exists({ providerKey: `${wa.channelId}:wamid.UNKNOWN` }));
  });
});
