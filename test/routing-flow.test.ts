import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timerJobId } from '../src/conversations/conversation-timers.js';
import type { TimerKind } from '../src/domain/lifecycle.js';
import { recoverPendingWork } from '../src/app/recovery.js';
import { runTimer } from '../src/app/timers.js';
import { RECONCILE_EVERY_MS, RECONCILE_TIMER } from '../src/routing/assignment-service.js';
import { OVERFLOW_TIMER, overflowJobId } from '../src/routing/overflow.js';
import { newPhoneNumber, receiveText } from './support/customer.js';
import { eventually, startHarness, type Harness } from './support/harness.js';
import { routingWorkspace } from './support/routing-workspace.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
// The closing message's send job would call Graph: nothing leaves the machine.
useProviderStandIns();

const HOUR = 3_600_000;

const workspace = () => routingWorkspace(h);

/** The overflow timer the conversation has now (for its queue, version and transfers). */
async function overflowJob(id: string) {
  const c = await h.ctx.store.conversations.findById(id).lean();
  const jobId = overflowJobId({
    kind: OVERFLOW_TIMER,
    conversationId: id,
    workspaceId: String(c!.workspaceId),
    queueId: String(c!.queueId),
    version: c!.lifecycleVersion,
    transfers: c!.transfers?.length ?? 0,
  });
  return h.ctx.queues.timers.getJob(jobId);
}

/** Brings a delayed timer forward (after moving the clock to its due time) instead of waiting. */
async function fire(job: Awaited<ReturnType<typeof overflowJob>>) {
  expect(job, 'timer job').toBeTruthy();
  h.clock.advance(job!.delay + 1000);
  await job!.promote();
}

async function lifecycleTimer(id: string, kind: TimerKind) {
  const c = await h.ctx.store.conversations.findById(id).lean();
  return h.ctx.queues.timers.getJob(timerJobId(id, kind, c!.lifecycleVersion));
}

/** Waits until every reaction to the conversation's latest status change has run. */
async function reactionsDone(id: string) {
  const [event] = await h.ctx.store.events.find({ type: 'conversation.status_changed', conversationId: id }).sort({ occurredAt: -1, _id: -1 }).limit(1).lean();
  await eventually(async () => (await h.ctx.queues.events.getJobState(`dispatch-${event!._id}`)) === 'completed');
}

describe('queue overflow', () => {
  it('moves a conversation waiting too long along the overflow chain, where it is routed', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    const last = await w.queue({ name: 'last', strategy: 'round_robin', agentIds: [agent], rules: { tags: ['never'] } });
    const middle = await w.queue({ name: 'middle', maxWaitSeconds: 120, overflowQueueId: last, rules: { tags: ['never'] } });
    const first = await w.queue({ name: 'first', priority: 5, maxWaitSeconds: 60, overflowQueueId: middle, rules: { tags: ['o'] } });
    expect((await w.api('GET', `/v1/queues/${first}`)).body).toMatchObject({ maxWaitSeconds: 60, overflowQueueId: middle });

    const id = await w.conversation({ tags: ['o'] });
    expect(await w.stored(id)).toMatchObject({ status: 'queued', queueId: new Types.ObjectId(first) });
    const job = await overflowJob(id);
    expect(job?.delay).toBe(60_000);

    await fire(job);
    const moved = await w.until(id, (c) => String(c.queueId) === middle);
    expect(moved.status).toBe('queued');
    expect(moved.transfers).toMatchObject([{ toQueueId: new Types.ObjectId(middle), note: 'overflow after 60 s' }]);
    const events = await eventually(async () => {
      const found = await h.ctx.store.events.find({ type: 'conversation.transferred', conversationId: id }).lean();
      return found.length > 0 ? found : null;
    });
    expect(events[0]!.data).toMatchObject({ actor: 'timer', transfer: { toQueueId: middle, note: 'overflow after 60 s' } });

    // The middle queue's own wait applies from the move.
    const next = await eventually(() => overflowJob(id));
    expect(next.delay).toBe(120_000);
    await fire(next);
    const assigned = await w.until(id, (c) => c.status === 'active');
    expect(assigned).toMatchObject({ queueId: new Types.ObjectId(last), assigneeId: new Types.ObjectId(agent) });
    expect(assigned.transfers?.map((t) => t.note)).toEqual(['overflow after 60 s', 'overflow after 120 s']);
  });

  it('a stale timer does nothing: the conversation was assigned or moved meanwhile', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    const target = await w.queue({ name: 'target', rules: { tags: ['never'] } });
    await w.queue({ name: 'waiting', priority: 5, maxWaitSeconds: 30, overflowQueueId: target, agentIds: [agent], rules: { tags: ['s'] } });
    const id = await w.conversation({ tags: ['s'] });
    const job = await overflowJob(id);
    expect((await w.api('POST', `/v1/conversations/${id}/assign`, { agentId: agent })).status).toBe(200);
    await h.ctx.transfers.overflow(job!.data);
    expect(await w.stored(id)).toMatchObject({ status: 'active', transfers: [] });
  });

  it('start-up recovery adds a lost overflow timer again, with the delay left', async () => {
    const w = await workspace();
    const target = await w.queue({ name: 'target', rules: { tags: ['never'] } });
    await w.queue({ name: 'waiting', priority: 5, maxWaitSeconds: 300, overflowQueueId: target, rules: { tags: ['l'] } });
    const id = await w.conversation({ tags: ['l'] });
    await (await overflowJob(id))!.remove();
    h.clock.advance(100_000);
    await recoverPendingWork(h.ctx);
    expect((await overflowJob(id))?.delay).toBe(200_000);
  });

  it('a cycle of overflow queues goes round at most once, then the conversation stays', async () => {
    const w = await workspace();
    const a = await w.queue({ name: 'a', priority: 5, rules: { tags: ['c'] } });
    const b = await w.queue({ name: 'b', maxWaitSeconds: 10, overflowQueueId: a, rules: { tags: ['never'] } });
    expect((await w.api('PATCH', `/v1/queues/${a}`, { maxWaitSeconds: 10, overflowQueueId: b })).status).toBe(200);
    const id = await w.conversation({ tags: ['c'] });

    await fire(await overflowJob(id));
    await w.until(id, (c) => String(c.queueId) === b);
    await fire(await eventually(() => overflowJob(id)));
    await w.until(id, (c) => String(c.queueId) === a);
    // Back in a, whose overflow queue b was part of this wait: the timer fires and nothing moves.
    const third = await eventually(() => overflowJob(id));
    await fire(third);
    await eventually(async () => (await third!.getState()) === 'completed');
    const c = await w.stored(id);
    expect(c).toMatchObject({ status: 'queued', queueId: new Types.ObjectId(a) });
    expect(c.transfers).toHaveLength(2);
    expect(await overflowJob(id)).toBeTruthy(); // the same, completed job: no new one was added
    expect((await h.ctx.queues.timers.getJobs(['delayed', 'waiting'])).filter((j) => j.name === OVERFLOW_TIMER && j.data.conversationId === id)).toHaveLength(0);
  });

  it('validates the overflow queue: another queue of the same workspace; null removes it', async () => {
    const w = await workspace();
    const other = await workspace();
    const q = await w.queue({ name: 'q' });
    const foreign = await other.queue({ name: 'foreign' });
    const missing = new Types.ObjectId().toHexString();
    const create = (body: Record<string, unknown>) => w.api('POST', '/v1/queues', { name: 'x', ...body });
    expect((await create({ overflowQueueId: foreign, maxWaitSeconds: 10 })).body.error.code).toBe('overflow_queue_not_found');
    expect((await create({ overflowQueueId: missing })).status).toBe(422);
    expect((await create({ maxWaitSeconds: 0 })).status).toBe(400);
    expect((await w.api('PATCH', `/v1/queues/${q}`, { overflowQueueId: q })).body.error.code).toBe('overflow_to_itself');
    const r = await w.queue({ name: 'r', maxWaitSeconds: 30, overflowQueueId: q });
    const cleared = await w.api('PATCH', `/v1/queues/${r}`, { overflowQueueId: null, maxWaitSeconds: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ overflowQueueId: null, maxWaitSeconds: null });
    expect(await h.ctx.store.routingQueues.findById(r).lean()).not.toHaveProperty('overflowQueueId');
  });
});

describe('routing again when a conversation is queued again', () => {
  it('a snoozed queued conversation waking up is routed', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1, { status: 'offline' });
    await w.queue({ strategy: 'round_robin', agentIds: [agent], priority: 5, rules: { tags: ['w'] } });
    const id = await w.conversation({ tags: ['w'] });
    const snoozeUntil = new Date(h.clock.now().getTime() + HOUR).toISOString();
    expect((await w.api('POST', `/v1/conversations/${id}/status`, { status: 'snoozed', snoozeUntil })).status).toBe(200);
    // Turning available pulls queued work only: the snoozed one waits.
    expect((await w.api('PATCH', `/v1/agents/${agent}`, { status: 'available' })).status).toBe(200);
    expect((await w.stored(id)).status).toBe('snoozed');

    const job = await lifecycleTimer(id, 'snooze-wake');
    h.clock.advance(job!.delay + 1000);
    await job!.promote();
    const woken = await w.until(id, (c) => c.status === 'active');
    expect(String(woken.assigneeId)).toBe(agent);
  });

  it('a reopened conversation is routed', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    await w.queue({ strategy: 'least_busy', agentIds: [agent], priority: 5, rules: { tags: ['r'] } });
    const id = await w.conversation({ tags: ['r'] });
    expect((await w.stored(id)).status).toBe('active');
    expect((await w.api('POST', `/v1/conversations/${id}/status`, { status: 'resolved' })).status).toBe(200);
    const reopened = await w.api('POST', `/v1/conversations/${id}/status`, { status: 'queued' });
    expect(reopened.body.status).toBe('queued');
    const routed = await w.until(id, (c) => c.status === 'active');
    expect(String(routed.assigneeId)).toBe(agent);
    expect(await h.ctx.store.agentSlots.countDocuments({ agentId: agent })).toBe(1);
  });

  it('an unassigned conversation nobody else can take is not handed back to the agent it left', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    await w.queue({ strategy: 'round_robin', agentIds: [agent], priority: 5, rules: { tags: ['u'] } });
    const id = await w.conversation({ tags: ['u'] });
    expect((await w.api('POST', `/v1/conversations/${id}/unassign`)).body).toMatchObject({ status: 'queued', assigneeId: null });
    await reactionsDone(id);
    expect(await w.stored(id)).toMatchObject({ status: 'queued' });
    expect(await h.ctx.store.agentSlots.countDocuments({ agentId: agent })).toBe(0);
    // A later arrival (or anyone else) still gets it: only the step that unassigned skipped the agent.
    expect(await h.ctx.router.agentAvailable(w.workspaceId, new Types.ObjectId(agent))).toBe(1);
  });
});

describe('a freed slot pulls waiting work', () => {
  it('an agent whose conversation ends or is transferred away takes the oldest queued one', async () => {
    const w = await workspace();
    const [agent, other] = await w.agents(2, { capacity: 1 });
    await w.queue({ strategy: 'least_busy', agentIds: [agent], priority: 5, rules: { tags: ['f'] } });
    const held = await w.conversation({ tags: ['f'] });
    const [older, newer] = [await w.conversation({ tags: ['f'] }), await w.conversation({ tags: ['f'] })];
    expect(await w.stored(held)).toMatchObject({ status: 'active', assigneeId: new Types.ObjectId(agent) });
    expect((await w.stored(older)).status).toBe('queued');

    expect((await w.api('POST', `/v1/conversations/${held}/status`, { status: 'resolved' })).status).toBe(200);
    await w.until(older, (c) => c.status === 'active' && String(c.assigneeId) === agent);
    expect((await w.stored(newer)).status).toBe('queued');

    const moved = await w.api('POST', `/v1/conversations/${older}/transfer`, { agentId: other });
    expect(moved.body).toMatchObject({ status: 'active', assigneeId: other });
    await w.until(newer, (c) => c.status === 'active' && String(c.assigneeId) === agent);
  });

  it('an agent that is not available pulls nothing', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1, { capacity: 1 });
    await w.queue({ strategy: 'least_busy', agentIds: [agent], priority: 5, rules: { tags: ['b'] } });
    const held = await w.conversation({ tags: ['b'] });
    const waiting = await w.conversation({ tags: ['b'] });
    expect((await w.api('PATCH', `/v1/agents/${agent}`, { status: 'busy' })).status).toBe(200);
    expect((await w.api('POST', `/v1/conversations/${held}/status`, { status: 'resolved' })).status).toBe(200);
    await reactionsDone(held);
    expect((await w.stored(waiting)).status).toBe('queued');
  });
});

describe('closing message on auto-resolve', () => {
  /** A conversation opened by a customer message now, then taken by an agent. */
  async function activeConversation(w: Awaited<ReturnType<typeof workspace>>) {
    const { conversationId: id } = await receiveText(h, w.wa, newPhoneNumber());
    expect((await w.api('POST', `/v1/conversations/${id}/status`, { status: 'active' })).status).toBe(200);
    return id;
  }
  const resolvedEvent = (id: string) =>
    eventually(() => h.ctx.store.events.findOne({ type: 'conversation.status_changed', conversationId: id, 'data.to': 'resolved' }).lean());

  it('is sent by automation when the window is open, and shown in the settings', async () => {
    const w = await workspace();
    const patched = await w.api('PATCH', '/v1/workspace/settings', { closingMessage: 'Thanks, we are closing this chat.', autoResolveAfterHours: 2 });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.settings).toMatchObject({ closingMessage: 'Thanks, we are closing this chat.', autoResolveAfterHours: 2 });
    const id = await activeConversation(w);
    const job = await eventually(() => lifecycleTimer(id, 'auto-resolve'));
    expect(job.delay).toBe(2 * HOUR);
    await fire(job);

    const event = await resolvedEvent(id);
    expect(event.data).toMatchObject({ actor: 'timer', closingMessage: { sent: true } });
    const sent = await h.ctx.store.messages.findOne({ conversationId: id, direction: 'outbound' }).lean();
    expect(sent).toMatchObject({ author: 'automation', content: { type: 'text', text: 'Thanks, we are closing this chat.' } });
    expect(String(sent!._id)).toBe((event.data.closingMessage as { messageId: string }).messageId);
  });

  it('is skipped, not failed, when the window has closed; without the setting nothing is sent', async () => {
    const w = await workspace();
    await w.api('PATCH', '/v1/workspace/settings', { closingMessage: 'Bye', autoResolveAfterHours: 30 });
    const late = await activeConversation(w);
    await fire(await eventually(() => lifecycleTimer(late, 'auto-resolve')));
    const event = await resolvedEvent(late);
    expect(event.data).toMatchObject({ closingMessage: { sent: false, code: 'window_closed' } });
    expect((await w.stored(late)).status).toBe('resolved');
    expect(await h.ctx.store.messages.exists({ conversationId: late, direction: 'outbound' })).toBeNull();

    const cleared = await w.api('PATCH', '/v1/workspace/settings', { closingMessage: null, autoResolveAfterHours: 1 });
    expect(cleared.body.settings.closingMessage).toBeNull();
    expect((await w.api('PATCH', '/v1/workspace/settings', { closingMessage: '' })).status).toBe(400);
    const quiet = await activeConversation(w);
    await fire(await eventually(() => lifecycleTimer(quiet, 'auto-resolve')));
    expect((await resolvedEvent(quiet)).data).not.toHaveProperty('closingMessage');
    expect(await h.ctx.store.messages.exists({ conversationId: quiet, direction: 'outbound' })).toBeNull();
  });
});

describe('agent status and slot reconciliation', () => {
  it('gives the slot back when the agent stops being available between the status read and the claim', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    const c = await h.ctx.store.conversations.create({ workspaceId: w.workspaceId, channelId: w.channelId, contactId: new Types.ObjectId(), status: 'queued' });
    const slots = h.ctx.store.agentSlots;
    const create = slots.create.bind(slots);
    // The agent goes offline right as its slot is claimed.
    slots.create = (async (doc: unknown) => {
      const made = await create(doc as never);
      await h.ctx.store.agents.updateOne({ _id: agent }, { $set: { status: 'offline' } });
      return made;
    }) as typeof slots.create;
    try {
      await expect(h.ctx.assignment.assign(w.workspaceId, c._id, agent!, { actor: 'automation' })).rejects.toMatchObject({ code: 'agent_unavailable' });
    } finally {
      slots.create = create;
    }
    expect(await slots.countDocuments({ agentId: agent })).toBe(0);
    expect((await w.stored(String(c._id))).status).toBe('queued');
  });

  it('reconciles slots every minute through a repeatable job, not only at start', async () => {
    const w = await workspace();
    const [agent] = await w.agents(1);
    await recoverPendingWork(h.ctx);
    const scheduler = await h.ctx.queues.timers.getJobScheduler(RECONCILE_TIMER);
    expect(scheduler?.every).toBe(RECONCILE_EVERY_MS);
    await h.ctx.store.agentSlots.create({ _id: `${agent}:0`, workspaceId: w.workspaceId, agentId: agent, conversationId: new Types.ObjectId(), at: h.clock.now() });
    h.clock.advance(5 * 60_000);
    // What the scheduler's job does when it comes round.
    await runTimer(h.ctx, { kind: RECONCILE_TIMER });
    expect(await h.ctx.store.agentSlots.exists({ _id: `${agent}:0` })).toBeNull();
  });
});
