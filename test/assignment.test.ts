import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeContext, createContext, type AppContext } from '../src/app/context.js';
import type { AppError } from '../src/errors.js';
import { recoverPendingWork } from '../src/app/recovery.js';
import { createLogger } from '../src/logger.js';
import { createWhatsAppWorkspace, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

let h: Harness;
let wa: WhatsAppFixture;
let workspaceId: Types.ObjectId;
let channelId: Types.ObjectId;

beforeAll(async () => {
  h = await startHarness({ workers: false });
  wa = await createWhatsAppWorkspace(h);
  workspaceId = new Types.ObjectId(wa.workspaceId);
  channelId = new Types.ObjectId(wa.channelId);
});
afterAll(async () => {
  await h.close();
});

/** Queued conversations stored directly: assignment does not care how they arrived. */
async function queued(n: number): Promise<string[]> {
  const docs = await h.ctx.store.conversations.insertMany(
    Array.from({ length: n }, () => ({ workspaceId, channelId, contactId: new Types.ObjectId(), status: 'queued', statusChangedAt: h.clock.now() })),
  );
  return docs.map((d) => String(d._id));
}

async function agents(n: number, fields: Record<string, unknown> = {}): Promise<string[]> {
  const docs = await h.ctx.store.agents.insertMany(
    Array.from({ length: n }, (_, i) => ({ workspaceId, name: `A${i}`, email: `a${i}-${new Types.ObjectId().toHexString()}@x.test`, status: 'available', capacity: 3, ...fields })),
  );
  return docs.map((d) => String(d._id));
}

const createAgent = (body: Record<string, unknown>, key = wa.key) => h.api('POST', '/v1/agents', { key, body });
const post = (path: string, body?: unknown, key = wa.key) => h.api('POST', path, { key, body });
const slotsOf = (agentId: string) => h.ctx.store.agentSlots.countDocuments({ agentId });

/** What the store says after a burst: per agent, its slots and the conversations assigned to it. */
async function invariants(agentIds: string[], conversationIds: string[]) {
  const active = await h.ctx.store.conversations.find({ _id: { $in: conversationIds }, status: 'active' }).lean();
  for (const agentId of agentIds) {
    const held = active.filter((c) => String(c.assigneeId) === agentId).length;
    expect(held).toBeLessThanOrEqual(3);
    expect(await slotsOf(agentId)).toBe(held);
  }
  // Each assigned conversation names a slot of its own agent, and no slot twice.
  const slots = new Set(active.map((c) => c.assignedSlot));
  expect(slots.size).toBe(active.length);
  for (const c of active) expect(c.assignedSlot?.startsWith(`${String(c.assigneeId)}:`)).toBe(true);
  // At most one queued → active step per conversation.
  const steps = await h.ctx.store.conversationTransitions.aggregate<{ _id: unknown; n: number }>([
    { $match: { conversationId: { $in: conversationIds.map((id) => new Types.ObjectId(id)) }, to: 'active' } },
    { $group: { _id: '$conversationId', n: { $sum: 1 } } },
  ]);
  for (const s of steps) expect(s.n).toBe(1);
  return active.length;
}

describe('assignment under concurrency (several gateway processes)', () => {
  let others: AppContext[];
  beforeAll(async () => {
    // Same database and queue prefix as the harness: three processes sharing one store.
    others = await Promise.all([1, 2].map(() => createContext(h.ctx.config, { clock: h.clock, logger: createLogger('silent') })));
  });
  afterAll(async () => {
    for (const c of others) await closeContext(c);
  });
  const contexts = () => [h.ctx, ...others];

  it('200 parallel attempts over 200 conversations and 10 agents of capacity 3 assign exactly 30', async () => {
    const agentIds = await agents(10);
    const conversationIds = await queued(200);
    const results = await Promise.allSettled(
      conversationIds.map((id, i) => contexts()[i % 3]!.assignment.assign(workspaceId, id, agentIds[i % 10]!, { actor: 'automation' })),
    );
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as AppError).code);
    expect(new Set(refused)).toEqual(new Set(['agent_at_capacity']));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
    expect(await invariants(agentIds, conversationIds)).toBe(30);
  });

  it('200 parallel attempts racing for 20 conversations assign none twice', async () => {
    const agentIds = await agents(10);
    const conversationIds = await queued(20);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        contexts()[i % 3]!.assignment.assign(workspaceId, conversationIds[i % 20]!, agentIds[Math.floor(i / 20)]!, { actor: 'automation' }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const refused = new Set(results.filter((r) => r.status === 'rejected').map((r) => (r.reason as AppError).code));
    for (const code of refused) expect(['already_assigned', 'agent_at_capacity', 'invalid_transition']).toContain(code);
    const assigned = await invariants(agentIds, conversationIds);
    expect(won).toHaveLength(assigned);
    expect(assigned).toBeGreaterThan(0);
    expect(assigned).toBeLessThanOrEqual(20);
  });
});

describe('agents API', () => {
  it('creates, lists, reads and changes agents with strict bodies', async () => {
    const created = await createAgent({ name: 'Ana', email: 'Ana@Example.test', skills: ['billing'], languages: ['pt'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ email: 'ana@example.test', role: 'agent', status: 'offline', capacity: 3, skills: ['billing'], load: 0 });
    expect((await createAgent({ name: 'Ana 2', email: 'ana@example.test' })).status).toBe(409);
    expect((await createAgent({ name: 'X', email: 'x@example.test', capacity: 0 })).status).toBe(400);
    expect((await createAgent({ name: 'X', email: 'x@example.test', extra: 1 })).status).toBe(400);
    const patched = await h.api('PATCH', `/v1/agents/${created.body.id}`, { key: wa.key, body: { status: 'available', capacity: 5 } });
    expect(patched.body).toMatchObject({ status: 'available', capacity: 5 });
    expect((await h.api('GET', `/v1/agents/${created.body.id}`, { key: wa.key })).body.capacity).toBe(5);
    const list = await h.api('GET', '/v1/agents', { key: wa.key });
    expect(list.body.data.some((a: { id: string }) => a.id === created.body.id)).toBe(true);
  });

  it('creating an agent honours Idempotency-Key and needs an admin key', async () => {
    const headers = { 'idempotency-key': 'agent-once' };
    const first = await h.api('POST', '/v1/agents', { key: wa.key, body: { name: 'Bo', email: 'bo@example.test' }, headers });
    const again = await h.api('POST', '/v1/agents', { key: wa.key, body: { name: 'Bo', email: 'bo@example.test' }, headers });
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const agentKey = await post('/v1/api-keys', { name: 'agent key', role: 'agent' });
    expect((await createAgent({ name: 'Cy', email: 'cy@example.test' }, agentKey.body.key)).status).toBe(403);
  });
});

describe('assignment API', () => {
  const agent = async (body: Record<string, unknown> = {}) => {
    const res = await createAgent({ name: 'Agent', email: `${new Types.ObjectId().toHexString()}@example.test`, status: 'available', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };

  it('assign makes it active with its assignee; a second assign is a 409; unassign frees the slot', async () => {
    const [id] = await queued(1);
    const a = await agent();
    const assigned = await post(`/v1/conversations/${id}/assign`, { agentId: a });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body).toMatchObject({ status: 'active', assigneeId: a });
    expect((await h.api('GET', `/v1/agents/${a}`, { key: wa.key })).body.load).toBe(1);
    expect((await h.api('GET', `/v1/conversations/${id}`, { key: wa.key })).body.assigneeId).toBe(a);

    const again = await post(`/v1/conversations/${id}/assign`, { agentId: await agent() });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_assigned');

    const unassigned = await post(`/v1/conversations/${id}/unassign`);
    expect(unassigned.status).toBe(200);
    expect(unassigned.body).toMatchObject({ status: 'queued', assigneeId: null });
    expect(await slotsOf(a)).toBe(0);
    expect((await post(`/v1/conversations/${id}/unassign`)).body.error.code).toBe('invalid_transition');
  });

  it('every successful assignment emits conversation.assigned once, keyed by the version it produced', async () => {
    const [id] = await queued(1);
    const [a, b] = [await agent(), await agent()];
    const assignedEvents = () => h.ctx.store.events.find({ type: 'conversation.assigned', conversationId: id }).sort({ _id: 1 }).lean();
    expect((await post(`/v1/conversations/${id}/assign`, { agentId: a })).status).toBe(200);
    // A refused assignment emits nothing.
    expect((await post(`/v1/conversations/${id}/assign`, { agentId: b })).status).toBe(409);
    const first = await h.ctx.store.conversations.findById(id).lean();
    expect(await assignedEvents()).toMatchObject([{ _id: `conversation_assigned-${id}-${first!.lifecycleVersion}`, data: { agentId: a, actor: 'agent' } }]);

    expect((await post(`/v1/conversations/${id}/unassign`)).status).toBe(200);
    expect((await post(`/v1/conversations/${id}/assign`, { agentId: b })).status).toBe(200);
    const events = await assignedEvents();
    expect(events.map((e) => e.data.agentId)).toEqual([a, b]);
    expect((events[1]!.data.conversation as { assigneeId: string }).assigneeId).toBe(b);
  });

  it('resolving frees the slot and keeps who handled it', async () => {
    const [id] = await queued(1);
    const a = await agent();
    await post(`/v1/conversations/${id}/assign`, { agentId: a });
    const resolved = await post(`/v1/conversations/${id}/status`, { status: 'resolved' });
    expect(resolved.body).toMatchObject({ status: 'resolved', assigneeId: a });
    expect(await slotsOf(a)).toBe(0);
  });

  it('refuses an unavailable agent and one at capacity', async () => {
    const [c1, c2] = await queued(2);
    const offline = await agent({ status: 'offline' });
    const res = await post(`/v1/conversations/${c1}/assign`, { agentId: offline });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('agent_unavailable');

    const one = await agent({ capacity: 1 });
    expect((await post(`/v1/conversations/${c1}/assign`, { agentId: one })).status).toBe(200);
    const full = await post(`/v1/conversations/${c2}/assign`, { agentId: one });
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('agent_at_capacity');
    expect(await h.ctx.store.conversations.findById(c2, { status: 1 }).lean()).toMatchObject({ status: 'queued' });
    expect(await slotsOf(one)).toBe(1);
  });

  it('accept assigns to the agent linked to the calling key', async () => {
    const [id] = await queued(1);
    const key = await post('/v1/api-keys', { name: 'ana', role: 'agent' });
    const a = await agent({ apiKeyId: key.body.id });
    const accepted = await post(`/v1/conversations/${id}/accept`, undefined, key.body.key);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'active', assigneeId: a });
    const [other] = await queued(1);
    expect((await post(`/v1/conversations/${other}/accept`)).body.error.code).toBe('agent_key_required');
    // The agent's own key may go offline, not change its capacity.
    expect((await h.api('PATCH', `/v1/agents/${a}`, { key: key.body.key, body: { status: 'offline' } })).status).toBe(200);
    expect((await h.api('PATCH', `/v1/agents/${a}`, { key: key.body.key, body: { capacity: 9 } })).status).toBe(403);
  });

  it('reconciliation frees an orphaned slot and keeps held ones', async () => {
    const [held, orphan] = await queued(2);
    const a = await agent();
    await post(`/v1/conversations/${held}/assign`, { agentId: a });
    // As if a process died after taking the slot, before the conversation changed.
    await h.ctx.store.agentSlots.create({ _id: `${a}:2`, workspaceId, agentId: new Types.ObjectId(a), conversationId: new Types.ObjectId(orphan), at: h.clock.now() });
    expect(await h.ctx.assignment.reconcileSlots(workspaceId)).toBe(0); // still within its grace period
    h.clock.advance(5 * 60_000);
    expect((await recoverPendingWork(h.ctx)).slots).toBe(1);
    expect(await h.ctx.store.agentSlots.exists({ _id: `${a}:2` })).toBeNull();
    expect(await slotsOf(a)).toBe(1);
  });
});
