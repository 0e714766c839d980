import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, signMeta, startHarness, type Harness } from './support/harness.js';
import { routingWorkspace } from './support/routing-workspace.js';
import { textMessage } from './support/whatsapp-payloads.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const workspace = () => routingWorkspace(h);

describe('queues and matching', () => {
  it('routes by channel, language and business hours, else to the default queue', async () => {
    const w = await workspace();
    const otherChannel = new Types.ObjectId();
    const byChannel = await w.queue({ name: 'other channel', priority: 1, rules: { channelIds: [String(otherChannel)] } });
    const portuguese = await w.queue({ name: 'pt', priority: 5, rules: { languages: ['pt'] } });
    // Lisbon weekdays 09:00-18:00; the harness clock starts Thursday 2026-01-15 10:00 UTC (10:00 in Lisbon).
    const office = await w.queue({ name: 'office', priority: 3, rules: { businessHours: { timezone: 'Europe/Lisbon', days: [4].map((day) => ({ day, from: '09:00', to: '18:00' })) } } });

    expect((await w.get(await w.conversation({ language: 'pt-BR' }))).queueId).toBe(portuguese);
    expect((await w.get(await w.conversation({}, otherChannel))).queueId).toBe(office);
    expect((await w.get(await w.conversation())).queueId).toBe(office);

    h.clock.advance(9 * 3600_000); // 19:00 in Lisbon: the office queue is closed
    expect((await w.get(await w.conversation({}, otherChannel))).queueId).toBe(byChannel);
    const fallback = await w.get(await w.conversation());
    const list = await w.api('GET', '/v1/queues');
    const defaults = list.body.data.filter((q: { isDefault: boolean }) => q.isDefault);
    expect(defaults).toHaveLength(1);
    expect(fallback.queueId).toBe(defaults[0].id);
    expect(list.body.data.map((q: { name: string }) => q.name)).toEqual(['pt', 'office', 'other channel', 'Default']);
  });

  it('validates queue bodies strictly and needs an admin key to write', async () => {
    const w = await workspace();
    expect((await w.api('POST', '/v1/queues', { name: 'x', strategy: 'random' })).status).toBe(400);
    expect((await w.api('POST', '/v1/queues', { name: 'x', rules: { businessHours: { timezone: 'Mars/Olympus', days: [{ day: 1, from: '09:00', to: '17:00' }] } } })).status).toBe(400);
    expect((await w.api('POST', '/v1/queues', { name: 'x', extra: true })).status).toBe(400);
    expect((await w.api('POST', '/v1/queues', { name: 'x', agentIds: [new Types.ObjectId().toHexString()] })).status).toBe(422);
    const key = await w.api('POST', '/v1/api-keys', { name: 'agent', role: 'agent' });
    expect((await h.api('POST', '/v1/queues', { key: key.body.key, body: { name: 'x' } })).status).toBe(403);
    const headers = { 'idempotency-key': 'q-1' };
    const first = await h.api('POST', '/v1/queues', { key: w.wa.key, body: { name: 'idem' }, headers });
    const again = await h.api('POST', '/v1/queues', { key: w.wa.key, body: { name: 'idem' }, headers });
    expect(again.body.id).toBe(first.body.id);
    const patched = await w.api('PATCH', `/v1/queues/${first.body.id}`, { strategy: 'least_busy', priority: 7 });
    expect(patched.body).toMatchObject({ strategy: 'least_busy', priority: 7 });
  });

  it('routes a conversation opened by an inbound message, in the events job', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    await w.api('PATCH', `/v1/queues/${(await h.ctx.router.defaultQueue(w.workspaceId))._id}`, { strategy: 'round_robin', agentIds: [agent] });
    const body = JSON.stringify(textMessage(w.wa.phoneNumberId, { id: 'wamid.route1', from: '351910000001', timestamp: 1768471200, text: 'hi' }));
    const res = await h.api('POST', `/webhooks/whatsapp-cloud/${w.wa.channelId}`, {
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, w.wa.appSecret) },
    });
    expect(res.status).toBe(200);
    const c = await eventually(() => h.ctx.store.conversations.findOne({ workspaceId: w.workspaceId, status: 'active' }).lean());
    expect(String(c.assigneeId)).toBe(agent);
    expect(c.queueId).toBeDefined();
  });
});

describe('strategies', () => {
  it('round robin spreads over the members in turn', async () => {
    const w = await workspace();
    const members = await w.agents(3);
    await w.queue({ strategy: 'round_robin', agentIds: members, rules: { tags: ['rr'] } });
    const assignees: string[] = [];
    for (let i = 0; i < 6; i++) assignees.push((await w.get(await w.conversation({ tags: ['rr'] }))).assigneeId);
    expect(assignees).toEqual([...members, ...members]);
  });

  it('least busy picks the member holding the fewest', async () => {
    const w = await workspace();
    const [busy, idle] = await w.agents(2);
    const q = await w.queue({ strategy: 'manual', agentIds: [busy, idle] });
    // Two for the first member by hand, then the queue assigns automatically.
    for (let i = 0; i < 2; i++) expect((await w.api('POST', `/v1/conversations/${await w.conversation()}/assign`, { agentId: busy })).status).toBe(200);
    await w.api('PATCH', `/v1/queues/${q}`, { strategy: 'least_busy' });
    const next = [];
    for (let i = 0; i < 3; i++) next.push((await w.get(await w.conversation())).assigneeId);
    // Two for the idle one; then both hold two, and a tie goes to either (ties are spread at random).
    expect(next.slice(0, 2)).toEqual([idle, idle]);
    expect([busy, idle]).toContain(next[2]);
  });

  it('manual assigns nobody; an agent accepts from the queue', async () => {
    const w = await workspace();
    const key = await w.api('POST', '/v1/api-keys', { name: 'ana', role: 'agent' });
    const agent = await w.api('POST', '/v1/agents', { name: 'Ana', email: `ana-${key.body.id}@x.test`, status: 'available', apiKeyId: key.body.id });
    await w.queue({ strategy: 'manual', agentIds: [agent.body.id], priority: 1, rules: { tags: ['m'] } });
    const id = await w.conversation({ tags: ['m'] });
    expect(await w.get(id)).toMatchObject({ status: 'queued', assigneeId: null, queuePosition: 1 });
    const accepted = await h.api('POST', `/v1/conversations/${id}/accept`, { key: key.body.key });
    expect(accepted.body).toMatchObject({ status: 'active', assigneeId: agent.body.id });
  });

  it('nobody available: it stays queued, and goes to an agent turning available, oldest first', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1, { status: 'offline', capacity: 2 });
    await w.queue({ strategy: 'least_busy', agentIds: [agent], priority: 1 });
    const ids = [await w.conversation(), await w.conversation(), await w.conversation()];
    for (const [i, id] of ids.entries()) expect(await w.get(id)).toMatchObject({ status: 'queued', queuePosition: i + 1 });
    expect((await w.api('PATCH', `/v1/agents/${agent}`, { status: 'available' })).status).toBe(200);
    expect((await w.get(ids[0]!)).assigneeId).toBe(agent);
    expect((await w.get(ids[1]!)).assigneeId).toBe(agent);
    // The third waits, now first in line.
    expect(await w.get(ids[2]!)).toMatchObject({ status: 'queued', queuePosition: 1 });
  });

  it('unassigning routes to another member', async () => {
    const w = await workspace();
    const [a, b] = await w.agents(2);
    await w.queue({ strategy: 'round_robin', agentIds: [a, b], priority: 1 });
    const id = await w.conversation();
    expect((await w.get(id)).assigneeId).toBe(a);
    expect((await w.api('POST', `/v1/conversations/${id}/unassign`)).body).toMatchObject({ status: 'active', assigneeId: b });
  });
});

describe('transfers and going offline', () => {
  it('transfers to an agent and to a queue, keeping the notes', async () => {
    const w = await workspace();
    const [a, b, c] = await w.agents(3);
    await w.queue({ strategy: 'round_robin', agentIds: [a], priority: 1, rules: { tags: ['t'] } });
    const billing = await w.queue({ name: 'billing', strategy: 'round_robin', agentIds: [c] });
    const id = await w.conversation({ tags: ['t'] });
    expect((await w.get(id)).assigneeId).toBe(a);

    const toAgent = await w.api('POST', `/v1/conversations/${id}/transfer`, { agentId: b, note: 'speaks German' });
    expect(toAgent.status, JSON.stringify(toAgent.body)).toBe(200);
    expect(toAgent.body).toMatchObject({ status: 'active', assigneeId: b, transfers: [{ fromAgentId: a, toAgentId: b, note: 'speaks German' }] });
    expect(await h.ctx.store.agentSlots.countDocuments({ agentId: a })).toBe(0);

    const toQueue = await w.api('POST', `/v1/conversations/${id}/transfer`, { queueId: billing, note: 'refund' });
    expect(toQueue.body).toMatchObject({ status: 'active', assigneeId: c, queueId: billing });
    expect(toQueue.body.transfers[1]).toMatchObject({ fromAgentId: b, toQueueId: billing, note: 'refund' });
    const events = await h.ctx.store.events.find({ type: 'conversation.transferred', conversationId: id }).lean();
    expect(events.map((e) => (e.data.transfer as { note: string }).note).sort()).toEqual(['refund', 'speaks German']);

    // Refusals leave it where it was.
    await w.api('PATCH', `/v1/agents/${a}`, { status: 'busy' });
    expect((await w.api('POST', `/v1/conversations/${id}/transfer`, { agentId: a })).body.error.code).toBe('agent_unavailable');
    expect((await w.api('POST', `/v1/conversations/${id}/transfer`, { agentId: a, queueId: billing })).status).toBe(400);
    expect((await w.get(id)).assigneeId).toBe(c);
  });

  it('an agent going offline hands its conversations on when the queue says so', async () => {
    const w = await workspace();
    const [leaving, staying] = await w.agents(2);
    const q = await w.queue({ strategy: 'round_robin', agentIds: [leaving], redistributeOnOffline: true, priority: 1, rules: { tags: ['r'] } });
    await w.queue({ strategy: 'round_robin', agentIds: [leaving], priority: 1, rules: { tags: ['k'] } });
    const moved = await w.conversation({ tags: ['r'] });
    const kept = await w.conversation({ tags: ['k'] });
    await w.api('PATCH', `/v1/queues/${q}`, { agentIds: [leaving, staying] });
    expect((await w.api('PATCH', `/v1/agents/${leaving}`, { status: 'offline' })).status).toBe(200);
    expect(await w.get(moved)).toMatchObject({ status: 'active', assigneeId: staying });
    expect(await w.get(kept)).toMatchObject({ status: 'active', assigneeId: leaving });
  });
});

describe('deleting agents and queues', () => {
  it('deletes an agent only while it holds nothing, and takes it out of its queues', async () => {
    const w = await workspace();
    const [busy, idle] = await w.agents(2);
    const queueId = await w.queue({ agentIds: [busy, idle] }); // manual: nobody is assigned on arrival
    const conversation = await w.conversation();
    expect((await w.api('POST', `/v1/conversations/${conversation}/assign`, { agentId: busy })).status).toBe(200);

    const refused = await w.api('DELETE', `/v1/agents/${busy}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'agent_has_conversations', details: { held: 1 } });
    expect((await w.api('GET', `/v1/agents/${busy}`)).body.status).toBe('available');

    expect((await w.api('DELETE', `/v1/agents/${idle}`)).status).toBe(204);
    expect((await w.api('GET', `/v1/agents/${idle}`)).status).toBe(404);
    expect((await w.api('GET', `/v1/queues/${queueId}`)).body.agentIds).toEqual([busy]);
    expect((await w.api('DELETE', `/v1/agents/${idle}`)).status).toBe(404);

    // Once its conversation has ended, the busy one goes too; the conversation keeps who handled it.
    expect((await w.api('POST', `/v1/conversations/${conversation}/status`, { status: 'resolved' })).status).toBe(200);
    expect((await w.api('DELETE', `/v1/agents/${busy}`)).status).toBe(204);
    expect((await w.get(conversation)).assigneeId).toBe(busy);
  });

  it('refuses to delete the default queue, an overflow target or a queue with waiting conversations', async () => {
    const w = await workspace();
    const target = await w.queue({ name: 'target' });
    const source = await w.queue({ name: 'source', priority: 5, maxWaitSeconds: 60, overflowQueueId: target });
    const waiting = await w.conversation();
    expect((await w.get(waiting)).queueId).toBe(source);
    // Routing made the workspace's default queue on first use.
    const defaultQueue = (await w.api('GET', '/v1/queues')).body.data.find((q: { isDefault: boolean }) => q.isDefault).id;

    const inUse = await w.api('DELETE', `/v1/queues/${target}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({ code: 'queue_in_use', details: { overflowFrom: [source] } });
    expect((await w.api('DELETE', `/v1/queues/${defaultQueue}`)).body.error.code).toBe('default_queue');

    const notEmpty = await w.api('DELETE', `/v1/queues/${source}`);
    expect(notEmpty.status).toBe(409);
    expect(notEmpty.body.error).toMatchObject({ code: 'queue_not_empty', details: { waiting: 1 } });

    expect((await w.api('POST', `/v1/conversations/${waiting}/status`, { status: 'resolved' })).status).toBe(200);
    expect((await w.api('DELETE', `/v1/queues/${source}`)).status).toBe(204);
    expect((await w.api('DELETE', `/v1/queues/${target}`)).status).toBe(204);
    expect((await w.api('GET', `/v1/queues/${source}`)).status).toBe(404);
  });

  it('needs an admin key', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    const key = await h.api('POST', '/v1/api-keys', { key: w.wa.key, body: { name: 'agent', role: 'agent' } });
    expect((await h.api('DELETE', `/v1/agents/${agent}`, { key: key.body.key })).status).toBe(403);
  });
});
