import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { statusWebhook, textMessage, unix } from './support/whatsapp-payloads.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

let h: Harness;
let wa: WhatsAppFixture;
const HOUR = 3_600_000;

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(async () => {
  await h.close();
});

const graph = () => nock(GRAPH_BASE_URL).post(`/v23.0/${wa.phoneNumberId}/messages`);

async function inbound(from: string, at: Date, id = `wamid.IN${from}${at.getTime()}`) {
  const body = JSON.stringify(textMessage(wa.phoneNumberId, { id, from, timestamp: unix(at), text: 'hi' }));
  const res = await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
  });
  expect(res.status).toBe(200);
  const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean());
  return String(message.conversationId);
}

const send = (conversationId: string, body: unknown, headers: Record<string, string> = {}) =>
  h.api('POST', `/v1/conversations/${conversationId}/messages`, { key: wa.key, body, headers });

const messageById = (id: string) => h.ctx.store.messages.findById(id).lean();

describe('the messaging window, at the policy point', () => {
  it('allows free text at 23h59 and refuses it at 24h01 with window_closed', async () => {
    const lastInbound = new Date(h.clock.now().getTime());
    const conversationId = await inbound('15551110001', lastInbound);

    h.clock.set(new Date(lastInbound.getTime() + 24 * HOUR - 60_000));
    graph().reply(200, { messaging_product: 'whatsapp', contacts: [{ input: '15551110001', wa_id: '15551110001' }], messages: [{ id: 'wamid.OUT2359' }] });
    const inside = await send(conversationId, { type: 'text', text: 'still open' });
    expect(inside.status).toBe(202);
    await eventually(async () => (await messageById(inside.body.id))?.status === 'accepted');

    h.clock.set(new Date(lastInbound.getTime() + 24 * HOUR + 60_000));
    const outside = await send(conversationId, { type: 'text', text: 'too late' });
    expect(outside.status).toBe(422);
    expect(outside.body.error.code).toBe('window_closed');
    expect(outside.body.error.details.windowExpiresAt).toBe(new Date(lastInbound.getTime() + 24 * HOUR).toISOString());

    const view = await h.api('GET', `/v1/conversations/${conversationId}`, { key: wa.key });
    expect(view.body.reply).toEqual({ canReply: false, windowExpiresAt: new Date(lastInbound.getTime() + 24 * HOUR).toISOString(), otherwise: 'template' });
  });

  it('outside the window accepts only an approved template whose parameters match', async () => {
    const start = h.clock.now();
    const conversationId = await inbound('15551110002', start);
    h.clock.set(new Date(start.getTime() + 30 * HOUR));
    const template = (params: string[]) => ({
      type: 'template',
      template: { name: 'conversation_restart', language: 'en', components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }] },
    });

    // Seeded from templates/ as PENDING: not sendable yet.
    const pending = await send(conversationId, template(['Ana']));
    expect(pending.status).toBe(422);
    expect(pending.body.error.code).toBe('template_not_approved');

    await h.ctx.store.templates.updateOne({ channelId: wa.channelId, name: 'conversation_restart' }, { $set: { status: 'APPROVED' } });
    const wrongCount = await send(conversationId, template(['Ana', 'extra']));
    expect(wrongCount.status).toBe(422);
    expect(wrongCount.body.error.code).toBe('template_invalid');

    const unknown = await send(conversationId, { type: 'template', template: { name: 'nope', language: 'en', components: [] } });
    expect(unknown.body.error.code).toBe('template_not_found');

    const wrongLanguage = await send(conversationId, { ...template(['Ana']), template: { ...template(['Ana']).template, language: 'pt_BR' } });
    expect(wrongLanguage.body.error.code).toBe('template_not_found');

    let sentBody: any;
    graph().reply(200, (_uri, body) => {
      sentBody = body;
      return { messages: [{ id: 'wamid.TEMPLATE1' }] };
    });
    const ok = await send(conversationId, template(['Ana']));
    expect(ok.status).toBe(202);
    await eventually(async () => (await messageById(ok.body.id))?.status === 'accepted');
    expect(sentBody).toMatchObject({ to: '15551110002', type: 'template', template: { name: 'conversation_restart', language: { code: 'en' } } });
  });
});

describe('sending', () => {
  it('sends text, stores the provider id and emits message.sent', async () => {
    const conversationId = await inbound('15551110003', h.clock.now());
    let sentBody: any;
    graph()
      .matchHeader('authorization', `Bearer ${wa.accessToken}`)
      .reply(200, (_uri, body) => {
        sentBody = body;
        return { messages: [{ id: 'wamid.SENT1' }] };
      });
    const res = await send(conversationId, { type: 'text', text: 'Hello Ana' });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('queued');
    const message = await eventually(async () => {
      const m = await messageById(res.body.id);
      return m?.status === 'accepted' ? m : null;
    });
    expect(message.providerMessageId).toBe('wamid.SENT1');
    expect(sentBody).toMatchObject({ messaging_product: 'whatsapp', to: '15551110003', type: 'text', text: { body: 'Hello Ana' } });
    // The event is written after the message's status: wait for it, then make sure it is the only one.
    const sentEvents = () => h.ctx.store.events.countDocuments({ type: 'message.sent', 'data.message.id': res.body.id });
    await eventually(async () => (await sentEvents()) > 0);
    expect(await sentEvents()).toBe(1);
  });

  it('moves statuses only forward, whatever order they arrive in', async () => {
    const conversationId = await inbound('15551110004', h.clock.now());
    graph().reply(200, { messages: [{ id: 'wamid.STATUS1' }] });
    const res = await send(conversationId, { type: 'text', text: 'track me' });
    await eventually(async () => (await messageById(res.body.id))?.status === 'accepted');
    const postStatus = async (status: string, ts: number) => {
      const body = JSON.stringify(statusWebhook(wa.phoneNumberId, [{ id: 'wamid.STATUS1', status, timestamp: ts, recipient: '15551110004' }]));
      await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
      });
    };
    const t = unix(h.clock.now());
    await postStatus('read', t + 20);
    await eventually(async () => (await messageById(res.body.id))?.status === 'read');
    await postStatus('delivered', t + 10);
    await postStatus('sent', t + 5);
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: wa.channelId, state: 'received' })) === 0);
    const message = await messageById(res.body.id);
    expect(message?.status).toBe('read');
    const updates = await h.ctx.store.events.find({ type: 'message.status_updated', 'data.message.id': res.body.id }).lean();
    expect(updates.map((e) => (e.data.message as { status: string }).status).sort()).toEqual(['accepted', 'read']);
  });

  it('is accepted when the provider takes it, and sent when the provider says so, at the provider’s time', async () => {
    const conversationId = await inbound('15551110014', h.clock.now());
    graph().reply(200, { messages: [{ id: 'wamid.ACCEPTED1' }] });
    const res = await send(conversationId, { type: 'text', text: 'not yet sent' });
    await eventually(async () => (await messageById(res.body.id))?.status === 'accepted');
    const accepted = await h.api('GET', `/v1/messages/${res.body.id}`, { key: wa.key });
    expect(accepted.body).toMatchObject({ status: 'accepted', acceptedAt: h.clock.now().toISOString(), sentAt: null });

    // Meta's `sent` arrives later and carries its own time, a minute before we receive it.
    const sentAt = new Date(Math.floor(h.clock.now().getTime() / 1000) * 1000 + 30_000);
    h.clock.advance(90_000);
    const body = JSON.stringify(statusWebhook(wa.phoneNumberId, [{ id: 'wamid.ACCEPTED1', status: 'sent', timestamp: unix(sentAt), recipient: '15551110014' }]));
    await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) } });
    await eventually(async () => (await messageById(res.body.id))?.status === 'sent');
    const sent = await h.api('GET', `/v1/messages/${res.body.id}`, { key: wa.key });
    expect(sent.body).toMatchObject({ status: 'sent', acceptedAt: accepted.body.acceptedAt, sentAt: sentAt.toISOString() });
    // One message.sent for the round, at acceptance.
    expect(await h.ctx.store.events.countDocuments({ type: 'message.sent', 'data.message.id': res.body.id })).toBe(1);
  });

  it('applies a status that arrives before the send job stored the provider id', async () => {
    const conversationId = await inbound('15551110005', h.clock.now());
    const statusBody = JSON.stringify(statusWebhook(wa.phoneNumberId, [{ id: 'wamid.EARLY', status: 'delivered', timestamp: unix(h.clock.now()), recipient: '15551110005' }]));
    await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
      body: statusBody,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(statusBody, wa.appSecret) },
    });
    await eventually(() => h.ctx.store.earlyStatuses.exists({ providerKey: `${wa.channelId}:wamid.EARLY` }));
    graph().reply(200, { messages: [{ id: 'wamid.EARLY' }] });
    const res = await send(conversationId, { type: 'text', text: 'fast provider' });
    await eventually(async () => (await messageById(res.body.id))?.status === 'delivered');
  });

  it('retries retryable provider errors, then marks the message failed with the reason', async () => {
    const conversationId = await inbound('15551110006', h.clock.now());
    graph().times(3).reply(500, { error: { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2 } });
    const res = await send(conversationId, { type: 'text', text: 'provider is down' });
    const failed = await eventually(async () => {
      const m = await messageById(res.body.id);
      return m?.status === 'failed' ? m : null;
    });
    expect(failed.error).toMatchObject({ code: '2' });
    expect(nock.isDone()).toBe(true);
    const view = await h.api('GET', `/v1/messages/${res.body.id}`, { key: wa.key });
    expect(view.body).toMatchObject({ status: 'failed', error: { code: '2' } });
    expect(await h.ctx.store.events.countDocuments({ type: 'message.status_updated', 'data.message.id': res.body.id, 'data.message.status': 'failed' })).toBe(1);

    // The retry endpoint really sends again.
    graph().reply(200, { messages: [{ id: 'wamid.RETRIED' }] });
    const retried = await h.api('POST', `/v1/messages/${res.body.id}/retry`, { key: wa.key });
    expect(retried.status).toBe(202);
    const sent = await eventually(async () => {
      const m = await messageById(res.body.id);
      return m?.status === 'accepted' ? m : null;
    });
    expect(sent.providerMessageId).toBe('wamid.RETRIED');
    expect(sent.error).toBeUndefined();
  });

  it('fails at once on a final provider error and refuses to retry a sent message', async () => {
    const conversationId = await inbound('15551110007', h.clock.now());
    const scope = graph().reply(400, { error: { message: 'Message undeliverable', type: 'OAuthException', code: 131026, error_data: { details: 'x' } } });
    const res = await send(conversationId, { type: 'text', text: 'undeliverable' });
    const failed = await eventually(async () => {
      const m = await messageById(res.body.id);
      return m?.status === 'failed' ? m : null;
    });
    expect(failed.error).toMatchObject({ code: '131026', outcome: 'final' });
    expect(scope.isDone()).toBe(true);

    graph().reply(200, { messages: [{ id: 'wamid.OKAFTER' }] });
    await h.api('POST', `/v1/messages/${res.body.id}/retry`, { key: wa.key });
    await eventually(async () => (await messageById(res.body.id))?.status === 'accepted');
    const again = await h.api('POST', `/v1/messages/${res.body.id}/retry`, { key: wa.key });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_state');
  });

  it('never sends twice when recording the provider’s acceptance fails and the job retries', async () => {
    const conversationId = await inbound('15551110011', h.clock.now());
    const scope = graph().once().reply(200, { messages: [{ id: 'wamid.ONCE' }] });
    // Fault injection: the store refuses the first write after the provider accepted.
    const spy = vi.spyOn(h.ctx.statuses, 'advanceById').mockRejectedValueOnce(new Error('store unavailable'));
    const res = await send(conversationId, { type: 'text', text: 'exactly once' });
    const sent = await eventually(async () => {
      const m = await messageById(res.body.id);
      return m?.status === 'accepted' ? m : null;
    });
    spy.mockRestore();
    expect(sent.providerMessageId).toBe('wamid.ONCE');
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('maps 131047 from the provider to window_closed', async () => {
    const conversationId = await inbound('15551110008', h.clock.now());
    graph().reply(400, { error: { message: 'Re-engagement message', code: 131047 } });
    const res = await send(conversationId, { type: 'text', text: 'x' });
    const failed = await eventually(async () => {
      const m = await messageById(res.body.id);
      return m?.status === 'failed' ? m : null;
    });
    expect(failed.error).toMatchObject({ code: '131047', outcome: 'window_closed' });
  });

  it('honours Idempotency-Key: the same request twice sends once', async () => {
    const conversationId = await inbound('15551110009', h.clock.now());
    graph().reply(200, { messages: [{ id: 'wamid.IDEM' }] });
    const headers = { 'idempotency-key': 'order-42-confirmation' };
    const first = await send(conversationId, { type: 'text', text: 'once only' }, headers);
    const second = await send(conversationId, { type: 'text', text: 'once only' }, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const reused = await send(conversationId, { type: 'text', text: 'something else' }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(await h.ctx.store.messages.countDocuments({ conversationId, direction: 'outbound' })).toBe(1);
  });

  it('rejects unknown fields, bad types and unknown conversations with clear 4xx errors', async () => {
    const conversationId = await inbound('15551110010', h.clock.now());
    const unknownField = await send(conversationId, { type: 'text', text: 'x', colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.code).toBe('validation_failed');
    const badJson = await h.api('POST', `/v1/conversations/${conversationId}/messages`, {
      key: wa.key,
      body: '{"type": "text", "text": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_json');
    const missing = await send('0123456789abcdef01234567', { type: 'text', text: 'x' });
    expect(missing.status).toBe(404);
    const tooManyButtons = await send(conversationId, {
      type: 'interactive',
      interactive: { kind: 'buttons', body: 'Pick', buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` })) },
    });
    expect(tooManyButtons.status).toBe(400);
  });
});

describe('concurrency on any MongoDB-compatible server', () => {
  it('concurrent status callbacks for one message end at the highest, each status once', async () => {
    const conversationId = await inbound('15551110012', h.clock.now());
    graph().reply(200, { messages: [{ id: 'wamid.CONCURRENT' }] });
    const res = await send(conversationId, { type: 'text', text: 'many callbacks' });
    await eventually(async () => (await messageById(res.body.id))?.status === 'accepted');
    // Separate webhook requests, processed by concurrent jobs.
    const t = unix(h.clock.now());
    await Promise.all(
      (['read', 'delivered', 'read', 'delivered'] as const).map(async (status, i) => {
        const body = JSON.stringify(statusWebhook(wa.phoneNumberId, [{ id: 'wamid.CONCURRENT', status, timestamp: t + i, recipient: '15551110012' }]));
        await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
          body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
        });
      }),
    );
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: wa.channelId, state: 'received' })) === 0);
    expect((await messageById(res.body.id))?.status).toBe('read');
    const statuses = (await h.ctx.store.events.find({ type: 'message.status_updated', 'data.message.id': res.body.id }).lean()).map(
      (e) => (e.data.message as { status: string }).status,
    );
    // Each status at most once; never a step back after read.
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(statuses).toContain('read');
  });

  it('ten concurrent retries of a failed message start one new round', async () => {
    const conversationId = await inbound('15551110013', h.clock.now());
    graph().reply(400, { error: { message: 'Message undeliverable', code: 131026 } });
    const res = await send(conversationId, { type: 'text', text: 'retry me' });
    await eventually(async () => (await messageById(res.body.id))?.status === 'failed');
    graph().reply(200, { messages: [{ id: 'wamid.RETRY_ONCE' }] });
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.api('POST', `/v1/messages/${res.body.id}/retry`, { key: wa.key })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array<number>(9).fill(409)]);
    await eventually(async () => (await messageById(res.body.id))?.status === 'accepted');
    expect((await messageById(res.body.id))?.sendRound).toBe(2);
  });
});
