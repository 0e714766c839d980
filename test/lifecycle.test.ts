import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { timerJobId } from '../src/conversations/conversation-timers.js';
import type { ConversationStatus } from '../src/domain/conversation.js';
import type { TimerKind } from '../src/domain/lifecycle.js';
import { newPhoneNumber, receiveText } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

let h: Harness;
let wa: WhatsAppFixture;
const HOUR = 3_600_000;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(async () => {
  await h.close();
});

/** A customer message through the signed webhook; resolves to the conversation it landed in, once stored, announced and routed. */
const inbound = async (from: string, fixture = wa) => (await receiveText(h, fixture, from)).conversationId;

const setStatus = (id: string, body: Record<string, unknown>, key = wa.key) => h.api('POST', `/v1/conversations/${id}/status`, { key, body });
const conversation = async (id: string) => {
  const c = await h.ctx.store.conversations.findById(id).lean();
  if (!c) throw new Error(`no conversation ${id}`);
  return c;
};
const statusEvents = (id: string) => h.ctx.store.events.find({ type: 'conversation.status_changed', conversationId: id }).sort({ occurredAt: 1, _id: 1 }).lean();

/** The conversation's current timer of `kind`, if one is scheduled for its current version. */
async function currentTimer(id: string, kind: TimerKind) {
  const c = await conversation(id);
  return h.ctx.queues.timers.getJob(timerJobId(id, kind, c.lifecycleVersion));
}

/** Brings a delayed timer forward (after moving the clock to its due time) instead of waiting. */
async function fire(id: string, kind: TimerKind) {
  const job = await currentTimer(id, kind);
  expect(job, `${kind} timer of ${id}`).toBeTruthy();
  h.clock.advance(job!.delay + 1000);
  await job!.promote();
}

const snoozeUntil = () => new Date(h.clock.now().getTime() + HOUR).toISOString();
const PATHS: Record<ConversationStatus, Record<string, unknown>[]> = {
  queued: [],
  active: [{ status: 'active' }],
  pending: [{ status: 'active' }, { status: 'pending' }],
  snoozed: [{ status: 'active' }, { status: 'snoozed', snoozeUntil: 'later' }],
  resolved: [{ status: 'resolved' }],
  closed: [{ status: 'closed' }],
  abandoned: [{ status: 'abandoned' }],
};

/** A fresh conversation driven to `status` through the API. */
async function conversationIn(status: ConversationStatus) {
  const id = await inbound(newPhoneNumber());
  for (const step of PATHS[status]) {
    const res = await setStatus(id, step.snoozeUntil ? { ...step, snoozeUntil: snoozeUntil() } : step);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  return id;
}

describe('status changes through the API', () => {
  const allowed: [ConversationStatus, ConversationStatus][] = [
    ['queued', 'active'],
    ['queued', 'snoozed'],
    ['queued', 'resolved'],
    ['queued', 'closed'],
    ['queued', 'abandoned'],
    ['active', 'pending'],
    ['active', 'snoozed'],
    ['active', 'resolved'],
    ['active', 'queued'],
    ['pending', 'active'],
    ['pending', 'snoozed'],
    ['pending', 'resolved'],
    ['snoozed', 'queued'],
    ['snoozed', 'active'],
    ['snoozed', 'pending'],
    ['snoozed', 'resolved'],
    ['resolved', 'queued'],
    ['resolved', 'closed'],
    ['abandoned', 'closed'],
  ];

  it.each(allowed)('%s -> %s answers 200 and emits one status_changed event', async (from, to) => {
    const id = await conversationIn(from);
    const before = (await statusEvents(id)).length;
    const res = await setStatus(id, to === 'snoozed' ? { status: to, snoozeUntil: snoozeUntil() } : { status: to });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id, status: to });
    const events = await statusEvents(id);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)?.data).toMatchObject({ from, to, actor: 'agent', conversation: { id, status: to } });
    const stored = await conversation(id);
    // Ended conversations give up the single-open slot; open ones hold it.
    if (['resolved', 'closed', 'abandoned'].includes(to)) expect(stored.openThread).toBeUndefined();
    else expect(stored.openThread).toBe(`${wa.channelId}:${String(stored.contactId)}`);
  });

  it('refuses transitions the table does not allow with 409 invalid_transition', async () => {
    const closed = await conversationIn('closed');
    const res = await setStatus(closed, { status: 'queued' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'invalid_transition', details: { from: 'closed', to: 'queued', allowed: [] } });

    const active = await conversationIn('active');
    const abandon = await setStatus(active, { status: 'abandoned' });
    expect(abandon.status).toBe(409);
    expect(abandon.body.error.details).toEqual({ code: 'invalid_transition', from: 'active', to: 'abandoned', allowed: ['pending', 'snoozed', 'resolved', 'queued'] });
    expect((await setStatus(active, { status: 'active' })).status).toBe(409);
    expect((await conversation(active)).status).toBe('active');
  });

  it('validates snoozeUntil: required (400), in the future (422), only for snoozed (400)', async () => {
    const id = await conversationIn('active');
    expect((await setStatus(id, { status: 'snoozed' })).status).toBe(400);
    const past = await setStatus(id, { status: 'snoozed', snoozeUntil: new Date(h.clock.now().getTime() - 1000).toISOString() });
    expect(past.status).toBe(422);
    expect(past.body.error.code).toBe('snooze_until_in_past');
    expect((await setStatus(id, { status: 'pending', snoozeUntil: snoozeUntil() })).status).toBe(400);
    expect((await setStatus(id, { status: 'gone' })).status).toBe(400);
    expect((await setStatus('0123456789abcdef01234567', { status: 'resolved' })).status).toBe(404);
  });

  it('ten concurrent resolve requests: one wins, one event', async () => {
    const id = await conversationIn('active');
    const answers = await Promise.all(Array.from({ length: 10 }, () => setStatus(id, { status: 'resolved' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array<number>(9).fill(409)]);
    const resolvedEvents = (await statusEvents(id)).filter((e) => e.data.to === 'resolved');
    expect(resolvedEvents).toHaveLength(1);
  });

  it('reopening while another conversation with the contact is open is 409 conflict_open_conversation', async () => {
    const contact = newPhoneNumber();
    const first = await inbound(contact);
    expect((await setStatus(first, { status: 'resolved' })).status).toBe(200);
    const second = await inbound(contact);
    expect(second).not.toBe(first);
    const res = await setStatus(first, { status: 'queued' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict_open_conversation');
    expect((await conversation(first)).status).toBe('resolved');
  });
});

describe('timers', () => {
  it('a snoozed conversation wakes at snoozeUntil, back to the state it had', async () => {
    const id = await conversationIn('pending');
    const until = snoozeUntil();
    expect((await setStatus(id, { status: 'snoozed', snoozeUntil: until })).status).toBe(200);
    const job = await currentTimer(id, 'snooze-wake');
    expect(job?.delay).toBe(HOUR);
    await fire(id, 'snooze-wake');
    const woken = await eventually(async () => {
      const c = await conversation(id);
      return c.status === 'pending' ? c : null;
    });
    expect(woken.snoozedUntil).toBeUndefined();
    expect((await statusEvents(id)).at(-1)?.data).toMatchObject({ from: 'snoozed', to: 'pending', actor: 'timer' });
    // Pending again: its auto-resolve timer is set.
    expect(await currentTimer(id, 'auto-resolve')).toBeTruthy();
  });

  it('a customer message wakes a snoozed conversation', async () => {
    const contact = newPhoneNumber();
    const id = await inbound(contact);
    await setStatus(id, { status: 'active' });
    expect((await setStatus(id, { status: 'snoozed', snoozeUntil: snoozeUntil() })).status).toBe(200);
    const snoozeJob = await currentTimer(id, 'snooze-wake');
    expect(await inbound(contact)).toBe(id);
    await eventually(async () => (await conversation(id)).status === 'active');
    expect((await statusEvents(id)).at(-1)?.data).toMatchObject({ from: 'snoozed', to: 'active', actor: 'customer' });
    // The wake-up timer is stale now: firing it changes nothing.
    await h.ctx.lifecycle.fireTimer(snoozeJob!.data);
    expect((await conversation(id)).status).toBe('active');
  });

  it('auto-resolve fires after inactivity; a new customer message replaces it and the stale one does nothing', async () => {
    const contact = newPhoneNumber();
    const id = await inbound(contact);
    await setStatus(id, { status: 'active' });
    const first = await currentTimer(id, 'auto-resolve');
    expect(first?.delay).toBe(24 * HOUR);

    h.clock.advance(HOUR);
    await inbound(contact);
    const second = await eventually(() => currentTimer(id, 'auto-resolve'));
    expect(second.id).not.toBe(first!.id);
    expect(await h.ctx.queues.timers.getJob(first!.id!)).toBeUndefined();
    // Even if the replaced job had run anyway, its version is stale.
    await h.ctx.lifecycle.fireTimer(first!.data);
    expect((await conversation(id)).status).toBe('active');

    await fire(id, 'auto-resolve');
    const resolved = await eventually(async () => {
      const c = await conversation(id);
      return c.status === 'resolved' ? c : null;
    });
    expect(resolved.openThread).toBeUndefined();
    expect((await statusEvents(id)).at(-1)?.data).toMatchObject({ from: 'active', to: 'resolved', actor: 'timer' });
  });

  it('abandons a queued conversation whose customer has not written since', async () => {
    const id = await inbound(newPhoneNumber());
    const job = await currentTimer(id, 'abandon');
    expect(job?.delay).toBe(60 * 60_000);
    await fire(id, 'abandon');
    await eventually(async () => (await conversation(id)).status === 'abandoned');
    expect((await statusEvents(id)).at(-1)?.data).toMatchObject({ from: 'queued', to: 'abandoned', actor: 'timer' });
  });

  it('uses the workspace settings for the delays', async () => {
    const other = await createWhatsAppWorkspace(h);
    await h.ctx.store.workspaces.updateOne({ _id: other.workspaceId }, { $set: { 'settings.abandonAfterMinutes': 5, 'settings.autoResolveAfterHours': 2 } });
    await h.ctx.workspaceSettings.changed(new Types.ObjectId(other.workspaceId));
    const id = await inbound(newPhoneNumber(), other);
    expect((await currentTimer(id, 'abandon'))?.delay).toBe(5 * 60_000);
    expect((await setStatus(id, { status: 'active' }, other.key)).status).toBe(200);
    expect((await currentTimer(id, 'auto-resolve'))?.delay).toBe(2 * HOUR);
  });
});

describe('workspace settings API', () => {
  it('shows the settings with defaults, changes them strictly with an admin key, and timers use them', async () => {
    const other = await createWhatsAppWorkspace(h);
    const api = (method: string, path: string, body?: unknown, key = other.key) => h.api(method, path, { key, body });
    expect((await api('GET', '/v1/workspace')).body).toEqual({
      id: other.workspaceId,
      name: expect.any(String),
      // Other features keep their settings here too.
      settings: expect.objectContaining({ autoResolveAfterHours: 24, abandonAfterMinutes: 60, reopenResolved: false, closingMessage: null }),
    });

    for (const bad of [{}, { abandonAfterMinutes: -1 }, { reopenResolved: 'yes' }, { autoResolveAfterHours: 1, extra: true }]) {
      expect((await api('PATCH', '/v1/workspace/settings', bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const agentKey = (await api('POST', '/v1/api-keys', { name: 'agent', role: 'agent' })).body.key as string;
    expect((await api('PATCH', '/v1/workspace/settings', { abandonAfterMinutes: 5 }, agentKey)).status).toBe(403);
    expect((await api('GET', '/v1/workspace', undefined, agentKey)).status).toBe(403);

    const patched = await api('PATCH', '/v1/workspace/settings', { abandonAfterMinutes: 5, reopenResolved: true });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.settings).toMatchObject({ autoResolveAfterHours: 24, abandonAfterMinutes: 5, reopenResolved: true, closingMessage: null });
    expect((await api('GET', '/v1/workspace')).body.settings).toEqual(patched.body.settings);
    // Another workspace is untouched.
    expect((await h.ctx.store.workspaces.findById(wa.workspaceId).lean())?.settings?.abandonAfterMinutes).toBe(60);

    const id = await inbound(newPhoneNumber(), other);
    expect((await currentTimer(id, 'abandon'))?.delay).toBe(5 * 60_000);
    const spec = await h.api('GET', '/openapi.json');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/v1/workspace', '/v1/workspace/settings']));
  });
});

describe('a customer writing to an ended conversation', () => {
  it('by default opens a new conversation linked to the resolved one', async () => {
    const contact = newPhoneNumber();
    const first = await inbound(contact);
    await setStatus(first, { status: 'resolved' });
    const second = await inbound(contact);
    expect(second).not.toBe(first);
    expect(await conversation(second)).toMatchObject({ status: 'queued' });
    expect(String((await conversation(second)).previousConversationId)).toBe(first);
    expect((await conversation(first)).status).toBe('resolved');
    const view = await h.api('GET', `/v1/conversations/${second}`, { key: wa.key });
    expect(view.body.previousConversationId).toBe(first);
  });

  it('reopens the resolved conversation when the workspace says so, but never a closed one', async () => {
    const other = await createWhatsAppWorkspace(h);
    await h.ctx.store.workspaces.updateOne({ _id: other.workspaceId }, { $set: { 'settings.reopenResolved': true } });
    await h.ctx.workspaceSettings.changed(new Types.ObjectId(other.workspaceId));
    const contact = newPhoneNumber();
    const first = await inbound(contact, other);
    await setStatus(first, { status: 'resolved' }, other.key);
    expect(await inbound(contact, other)).toBe(first);
    const reopened = await conversation(first);
    expect(reopened).toMatchObject({ status: 'queued', openThread: `${other.channelId}:${String(reopened.contactId)}` });
    expect((await statusEvents(first)).at(-1)?.data).toMatchObject({ from: 'resolved', to: 'queued', actor: 'customer' });

    await setStatus(first, { status: 'closed' }, other.key);
    const next = await inbound(contact, other);
    expect(next).not.toBe(first);
    expect(String((await conversation(next)).previousConversationId)).toBe(first);
  });
});

describe('archiving', () => {
  it('hides a conversation from the default list until unarchived; archived=true lists them', async () => {
    const id = await inbound(newPhoneNumber());
    const ids = async (query = '') => (await h.api('GET', `/v1/conversations?limit=200${query}`, { key: wa.key })).body.data.map((c: { id: string }) => c.id);
    expect(await ids()).toContain(id);

    const archived = await h.api('POST', `/v1/conversations/${id}/archive`, { key: wa.key });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ id, archived: true, status: 'queued' });
    expect(await ids()).not.toContain(id);
    expect(await ids('&archived=true')).toEqual([id]);

    expect((await h.api('POST', `/v1/conversations/${id}/unarchive`, { key: wa.key })).body.archived).toBe(false);
    expect(await ids()).toContain(id);
    expect((await h.api('POST', '/v1/conversations/0123456789abcdef01234567/archive', { key: wa.key })).status).toBe(404);
  });
});
