import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppWorkspace, eventually, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let a: WhatsAppFixture;
let b: WhatsAppFixture;
let conversationOfA: string;
let messageOfA: string;

beforeAll(async () => {
  h = await startHarness();
  a = await createWhatsAppWorkspace(h);
  b = await createWhatsAppWorkspace(h);
  const body = JSON.stringify(textMessage(a.phoneNumberId, { id: 'wamid.TENANT', from: '15552220001', timestamp: unix(h.clock.now()), text: 'private' }));
  await h.api('POST', `/webhooks/whatsapp-cloud/${a.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, a.appSecret) },
  });
  const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'wamid.TENANT' }).lean());
  conversationOfA = String(message.conversationId);
  messageOfA = String(message._id);
});
afterAll(() => h.close());

describe('tenant isolation', () => {
  it("answers another workspace's ids with 404, as if they did not exist", async () => {
    for (const path of [`/v1/conversations/${conversationOfA}`, `/v1/conversations/${conversationOfA}/messages`, `/v1/messages/${messageOfA}`, `/v1/channels/${a.channelId}`]) {
      const res = await h.api('GET', path, { key: b.key });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const send = await h.api('POST', `/v1/conversations/${conversationOfA}/messages`, { key: b.key, body: { type: 'text', text: 'x' } });
    expect(send.status).toBe(404);
    expect(await h.ctx.store.messages.countDocuments({ conversationId: conversationOfA, direction: 'outbound' })).toBe(0);
  });

  it("lists only the caller's own data", async () => {
    const ofB = await h.api('GET', '/v1/conversations', { key: b.key });
    expect(ofB.body.data).toEqual([]);
    const ofA = await h.api('GET', '/v1/conversations', { key: a.key });
    expect(ofA.body.data.map((c: { id: string }) => c.id)).toEqual([conversationOfA]);
  });

  it('refuses requests without a valid key', async () => {
    expect((await h.api('GET', '/v1/conversations')).status).toBe(401);
    expect((await h.api('GET', '/v1/conversations', { key: 'og_not-a-key' })).status).toBe(401);
    const viaHeader = await h.api('GET', '/v1/conversations', { headers: { 'x-api-key': a.key } });
    expect(viaHeader.status).toBe(200);
  });

  it('refuses admin actions to agent keys and workspace creation without the admin token', async () => {
    const agent = await h.api('POST', '/v1/api-keys', { key: a.key, body: { name: 'agent', role: 'agent' } });
    expect(agent.status).toBe(201);
    const asAgent = await h.api('POST', '/v1/channels', { key: agent.body.key, body: { type: 'whatsapp-cloud', name: 'x', settings: {}, secrets: {} } });
    expect(asAgent.status).toBe(403);
    const noToken = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'x' }, headers: { authorization: 'Bearer wrong' } });
    expect(noToken.status).toBe(401);
  });

  it('creates a workspace once per Idempotency-Key', async () => {
    const headers = { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}`, 'idempotency-key': 'onboard-acme' };
    const first = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'Acme' }, headers });
    const again = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'Acme' }, headers });
    expect(first.status).toBe(201);
    expect(again.body.workspace.id).toBe(first.body.workspace.id);
    expect(await h.ctx.store.workspaces.countDocuments({ name: 'Acme' })).toBe(1);
  });
});

describe('secrets', () => {
  it('are encrypted at rest and never returned by the API', async () => {
    const raw = await h.ctx.store.connection.db!.collection('channels').findOne({ accountId: a.phoneNumberId });
    const stored = JSON.stringify(raw);
    for (const secret of [a.accessToken, a.appSecret, a.verifyToken]) expect(stored).not.toContain(secret);
    expect(raw?.secrets).toMatchObject({ v: 1, iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });

    const listed = JSON.stringify((await h.api('GET', '/v1/channels', { key: a.key })).body);
    const single = JSON.stringify((await h.api('GET', `/v1/channels/${a.channelId}`, { key: a.key })).body);
    for (const secret of [a.accessToken, a.appSecret, a.verifyToken]) {
      expect(listed).not.toContain(secret);
      expect(single).not.toContain(secret);
    }
  });

  it('API keys are stored only as hashes', async () => {
    const keys = await h.ctx.store.connection.db!.collection('api_keys').find().toArray();
    expect(JSON.stringify(keys)).not.toContain(a.key);
  });

  it('invalid channel settings are a 400 naming the fields, without echoing secrets', async () => {
    const res = await h.api('POST', '/v1/channels', {
      key: a.key,
      body: { type: 'whatsapp-cloud', name: 'bad', settings: { phoneNumberId: 5 }, secrets: { accessToken: 'tok-SECRET-VALUE' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.body)).not.toContain('tok-SECRET-VALUE');
    const unknownType = await h.api('POST', '/v1/channels', { key: a.key, body: { type: 'carrier-pigeon', name: 'x', secrets: {} } });
    expect(unknownType.body.error.code).toBe('unknown_channel_type');
  });
});
