import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const handshake = (wa: WhatsAppFixture, verifyToken: string) =>
  h.api('GET', `/webhooks/whatsapp-cloud/${wa.channelId}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=ok`);

function postWebhook(wa: WhatsAppFixture, payload: object, appSecret: string) {
  const body = JSON.stringify(payload);
  return h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, appSecret) },
  });
}

async function agentKeyOf(wa: WhatsAppFixture): Promise<string> {
  const res = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name: 'agent', role: 'agent' } });
  expect(res.status).toBe(201);
  return res.body.key;
}

describe('PATCH /v1/channels/:id', () => {
  it('renames a channel', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const res = await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { name: 'Support line' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: wa.channelId, name: 'Support line' });
    expect((await h.api('GET', `/v1/channels/${wa.channelId}`, { key: wa.key })).body.name).toBe('Support line');
  });

  it('changes secrets: sealed anew, never shown, and webhooks use them at once (the cached copy is dropped)', async () => {
    const wa = await createWhatsAppWorkspace(h);
    expect((await handshake(wa, wa.verifyToken)).status).toBe(200); // caches the channel
    const before = await h.ctx.store.channels.findById(wa.channelId).lean();

    const res = await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { secrets: { appSecret: 'new-app-secret', verifyToken: 'new-verify' } } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('new-app-secret');

    const after = await h.ctx.store.channels.findById(wa.channelId).lean();
    expect(after!.secrets).not.toEqual(before!.secrets);
    expect(JSON.stringify(after!.secrets)).not.toContain('new-app-secret');
    // Merged: the access token given at creation is kept.
    expect(h.ctx.channels.resolve(after!).access.secrets).toEqual({ accessToken: wa.accessToken, appSecret: 'new-app-secret', verifyToken: 'new-verify' });

    expect((await handshake(wa, wa.verifyToken)).status).toBe(403);
    expect((await handshake(wa, 'new-verify')).status).toBe(200);
    const payload = textMessage(wa.phoneNumberId, { id: 'wamid.PATCHED', from: '15550009999', timestamp: unix(h.clock.now()), text: 'hi' });
    expect((await postWebhook(wa, payload, wa.appSecret)).status).toBe(401);
    expect((await postWebhook(wa, payload, 'new-app-secret')).status).toBe(200);
  });

  it('changes settings and the account id derived from them; a clash with another channel is a 409', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const res = await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { settings: { phoneNumberId: `${wa.phoneNumberId}0` } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accountId: `${wa.phoneNumberId}0`, settings: { phoneNumberId: `${wa.phoneNumberId}0`, wabaId: `waba${wa.phoneNumberId}` } });

    const other = await h.api('POST', '/v1/channels', {
      key: wa.key,
      body: { type: 'whatsapp-cloud', name: 'Other', settings: { phoneNumberId: 'other-number', wabaId: 'w' }, secrets: { accessToken: 'a', appSecret: 'b', verifyToken: 'c' } },
    });
    expect(other.status).toBe(201);
    const clash = await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { settings: { phoneNumberId: 'other-number' } } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('channel_exists');
    expect((await h.ctx.store.channels.findById(wa.channelId).lean())!.accountId).toBe(`${wa.phoneNumberId}0`);
  });

  it('refuses invalid settings, empty changes, non-admin keys and other workspaces, changing nothing', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const stranger = await createWhatsAppWorkspace(h);
    const before = await h.ctx.store.channels.findById(wa.channelId).lean();

    const invalid = await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { settings: { phoneNumberId: '' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('validation_failed');
    expect((await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { settings: { typo: 1 } } })).status).toBe(400);
    expect((await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: {} })).status).toBe(400);
    const agent = await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: await agentKeyOf(wa), body: { name: 'x' } });
    expect(agent.status).toBe(403);
    expect((await h.api('PATCH', `/v1/channels/${wa.channelId}`, { key: stranger.key, body: { name: 'x' } })).status).toBe(404);

    expect(await h.ctx.store.channels.findById(wa.channelId).lean()).toEqual(before);
  });
});

describe('DELETE /v1/channels/:id', () => {
  it('is refused while the channel has an open conversation, then removes it with its templates; history stays readable', async () => {
    const wa = await createWhatsAppWorkspace(h);
    expect((await postWebhook(wa, textMessage(wa.phoneNumberId, { id: 'wamid.DEL1', from: '15550001234', timestamp: unix(h.clock.now()), text: 'hello' }), wa.appSecret)).status).toBe(200);
    const conversation = await eventually(() => h.ctx.store.conversations.findOne({ channelId: wa.channelId }).lean());

    const refused = await h.api('DELETE', `/v1/channels/${wa.channelId}`, { key: wa.key });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'channel_has_open_conversations', details: { open: 1 } });
    expect((await h.api('GET', `/v1/channels/${wa.channelId}`, { key: wa.key })).status).toBe(200);

    const conversationId = String(conversation._id);
    expect((await h.api('POST', `/v1/conversations/${conversationId}/status`, { key: wa.key, body: { status: 'closed' } })).status).toBe(200);
    expect((await h.api('DELETE', `/v1/channels/${wa.channelId}`, { key: wa.key })).status).toBe(204);

    expect((await h.api('GET', `/v1/channels/${wa.channelId}`, { key: wa.key })).status).toBe(404);
    expect(await h.ctx.store.templates.countDocuments({ channelId: wa.channelId })).toBe(0);
    expect((await handshake(wa, wa.verifyToken)).status).toBe(404);
    expect((await h.api('GET', `/v1/conversations/${conversationId}`, { key: wa.key })).status).toBe(200);
    expect((await h.api('DELETE', `/v1/channels/${wa.channelId}`, { key: wa.key })).status).toBe(404);
  });

  it('is for admin keys of the workspace only', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const stranger = await createWhatsAppWorkspace(h);
    expect((await h.api('DELETE', `/v1/channels/${wa.channelId}`, { key: await agentKeyOf(wa) })).status).toBe(403);
    expect((await h.api('DELETE', `/v1/channels/${wa.channelId}`, { key: stranger.key })).status).toBe(404);
    expect(await h.ctx.store.channels.countDocuments({ _id: wa.channelId })).toBe(1);
  });
});

describe('templates', () => {
  const submission = {
    name: 'order_shipped',
    language: 'en_US',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Your order {{1}} has shipped', example: { body_text: [['A-1']] } }],
  };

  it('gets one template of the channel', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const list = await h.api('GET', `/v1/channels/${wa.channelId}/templates`, { key: wa.key });
    const first = list.body.data[0];
    const res = await h.api('GET', `/v1/channels/${wa.channelId}/templates/${first.id}`, { key: wa.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(first);

    const other = await createWhatsAppWorkspace(h);
    expect((await h.api('GET', `/v1/channels/${other.channelId}/templates/${first.id}`, { key: other.key })).status).toBe(404);
    expect((await h.api('GET', `/v1/channels/${wa.channelId}/templates/nope`, { key: wa.key })).status).toBe(400);
  });

  it('submits a template to Graph for review and stores it pending; a second submission is a 409 without a Graph call', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const graph = nock(GRAPH_BASE_URL)
      .post(`/v23.0/waba${wa.phoneNumberId}/message_templates`, submission)
      .matchHeader('authorization', `Bearer ${wa.accessToken}`)
      .reply(200, { id: '594425479261596', status: 'PENDING', category: 'UTILITY' });

    const res = await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: submission });
    expect(res.status).toBe(201);
    // Meta's review examples go to Graph only; they are never needed to send.
    expect(res.body).toMatchObject({ name: 'order_shipped', language: 'en_US', category: 'UTILITY', status: 'PENDING', source: 'provider', components: [{ type: 'BODY', text: 'Your order {{1}} has shipped' }] });
    expect(graph.isDone()).toBe(true);
    expect((await h.ctx.store.templates.findById(res.body.id).lean())!.providerTemplateId).toBe('594425479261596');

    const again = await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: submission });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('template_exists');
  });

  it("passes Graph's refusal on as 422 and its failure as 502, storing nothing", async () => {
    const wa = await createWhatsAppWorkspace(h);
    nock(GRAPH_BASE_URL)
      .post(`/v23.0/waba${wa.phoneNumberId}/message_templates`)
      .reply(400, { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, error_subcode: 2388042 } });
    const refused = await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: submission });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'provider_refused', details: { providerCode: '100' } });

    nock(GRAPH_BASE_URL).post(`/v23.0/waba${wa.phoneNumberId}/message_templates`).reply(503, 'unavailable');
    const failed = await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: submission });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('provider_error');
    expect(await h.ctx.store.templates.countDocuments({ channelId: wa.channelId, name: 'order_shipped' })).toBe(0);
  });

  it('refuses invalid submissions and non-admin keys before calling Graph', async () => {
    const wa = await createWhatsAppWorkspace(h);
    expect((await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: { ...submission, name: 'Bad Name' } })).status).toBe(400);
    expect((await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: { ...submission, components: [] } })).status).toBe(400);
    expect((await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: await agentKeyOf(wa), body: submission })).status).toBe(403);
    expect(await h.ctx.store.templates.countDocuments({ channelId: wa.channelId, name: 'order_shipped' })).toBe(0);
  });

  it('deletes a template at Graph by name and id, then from the registry; a Graph failure keeps it', async () => {
    const wa = await createWhatsAppWorkspace(h);
    nock(GRAPH_BASE_URL).post(`/v23.0/waba${wa.phoneNumberId}/message_templates`).reply(200, { id: '777', status: 'PENDING' });
    const created = await h.api('POST', `/v1/channels/${wa.channelId}/templates`, { key: wa.key, body: submission });
    const path = `/v1/channels/${wa.channelId}/templates/${created.body.id}`;

    nock(GRAPH_BASE_URL).delete(`/v23.0/waba${wa.phoneNumberId}/message_templates`).query({ name: 'order_shipped', hsm_id: '777' }).reply(500, { error: { message: 'oops', code: 2 } });
    expect((await h.api('DELETE', path, { key: wa.key })).status).toBe(502);
    expect((await h.api('GET', path, { key: wa.key })).status).toBe(200);

    const graph = nock(GRAPH_BASE_URL)
      .delete(`/v23.0/waba${wa.phoneNumberId}/message_templates`)
      .query({ name: 'order_shipped', hsm_id: '777' })
      .matchHeader('authorization', `Bearer ${wa.accessToken}`)
      .reply(200, { success: true });
    expect((await h.api('DELETE', path, { key: wa.key })).status).toBe(204);
    expect(graph.isDone()).toBe(true);
    expect((await h.api('GET', path, { key: wa.key })).status).toBe(404);
  });

  it('deletes a template defined only in our files without calling Graph', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const fileTemplate = (await h.api('GET', `/v1/channels/${wa.channelId}/templates`, { key: wa.key })).body.data.find((t: { source: string }) => t.source === 'file');
    expect((await h.api('DELETE', `/v1/channels/${wa.channelId}/templates/${fileTemplate.id}`, { key: wa.key })).status).toBe(204);
    expect(await h.ctx.store.templates.countDocuments({ _id: fileTemplate.id })).toBe(0);
  });
});

describe('DELETE /v1/api-keys/:id', () => {
  it('revokes a key at once; it stays listed as revoked; revoking again is harmless', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const created = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name: 'temp', role: 'agent' } });
    expect((await h.api('GET', '/v1/channels', { key: created.body.key })).status).toBe(200);

    expect((await h.api('DELETE', `/v1/api-keys/${created.body.id}`, { key: wa.key })).status).toBe(204);
    const after = await h.api('GET', '/v1/channels', { key: created.body.key });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    const list = await h.api('GET', '/v1/api-keys', { key: wa.key });
    expect(list.body.data.find((k: { id: string }) => k.id === created.body.id)).toMatchObject({ name: 'temp', revoked: true });
    expect((await h.api('DELETE', `/v1/api-keys/${created.body.id}`, { key: wa.key })).status).toBe(204);
  });

  it('refuses revoking the calling key, non-admin keys and other workspaces', async () => {
    const wa = await createWhatsAppWorkspace(h);
    const stranger = await createWhatsAppWorkspace(h);
    const own = (await h.api('GET', '/v1/api-keys', { key: wa.key })).body.data[0];
    const self = await h.api('DELETE', `/v1/api-keys/${own.id}`, { key: wa.key });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('cannot_revoke_own_key');
    expect((await h.api('DELETE', `/v1/api-keys/${own.id}`, { key: await agentKeyOf(wa) })).status).toBe(403);
    expect((await h.api('DELETE', `/v1/api-keys/${own.id}`, { key: stranger.key })).status).toBe(404);
    expect((await h.api('GET', '/v1/channels', { key: wa.key })).status).toBe(200);
  });
});
