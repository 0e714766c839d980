import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { timerJobId } from '../src/conversations/conversation-timers.js';
import { feedItemsOf, realtimeKeys, type StreamEntry } from '../src/live-feed/entry.js';
import { addWhatsAppChannel, newPhoneNumber, postWhatsAppWebhook, receiveText } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { messagesWebhook, textMessage, unix } from './support/whatsapp-payloads.js';
import nock from 'nock';

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

const deliver = (fixture: WhatsAppFixture, payload: object) => postWhatsAppWebhook(h, fixture, payload);
/** A customer's text through the signed webhook; resolves once it is stored, announced and routed. */
const inbound = (fixture: WhatsAppFixture, from: string, text = 'hi', opts: { id?: string; name?: string } = {}) => receiveText(h, fixture, from, { text, ...opts });
const addChannel = (fixture: WhatsAppFixture) => addWhatsAppChannel(h, fixture);

async function agentKey(fixture: WhatsAppFixture) {
  const res = await h.api('POST', '/v1/api-keys', { key: fixture.key, body: { name: 'agent', role: 'agent' } });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

const api = (method: string, path: string, body?: unknown, key = wa.key) => h.api(method, path, { key, body });

/** Every page of a list with the given query, one item per page: the ids in the order served. */
async function listAll(key: string, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const res = await h.api('GET', `/v1/conversations?limit=1&${query}${cursor ? `&cursor=${cursor}` : ''}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((c: { id: string }) => c.id));
    cursor = res.body.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('too many pages');
}

const updatedEvents = (conversationId: string) => h.ctx.store.events.find({ type: 'conversation.updated', conversationId, 'data.changed': { $exists: true } }).lean();

describe('listing with filters', () => {
  let ws: WhatsAppFixture;
  let other: WhatsAppFixture;
  let c: string[];
  let contact2: string;
  let label: string;
  let queue: string;
  let agent: string;
  let t0: Date;

  beforeAll(async () => {
    ws = await createWhatsAppWorkspace(h);
    other = await addChannel(ws);
    queue = (await api('POST', '/v1/queues', { name: 'second line', priority: 10, rules: { channelIds: [other.channelId] } }, ws.key)).body.id;
    agent = (await api('POST', '/v1/agents', { name: 'Ana', email: `ana-${randomBytes(3).toString('hex')}@example.test`, status: 'available' }, ws.key)).body.id;
    label = (await api('POST', '/v1/labels', { name: 'Refund' }, ws.key)).body.id;
    t0 = h.clock.now();
    c = [];
    for (const [i, fixture] of [ws, ws, other, other].entries()) {
      h.clock.set(new Date(t0.getTime() + i * HOUR));
      const { conversationId, contactId } = await inbound(fixture, newPhoneNumber());
      c.push(conversationId);
      if (i === 1) contact2 = contactId;
    }
    // c0: active (assigned), high, tags vip+billing, labelled, unread
    expect((await api('POST', `/v1/conversations/${c[0]}/assign`, { agentId: agent }, ws.key)).status).toBe(200);
    expect((await api('PATCH', `/v1/conversations/${c[0]}`, { priority: 'high' }, ws.key)).status).toBe(200);
    expect((await api('POST', `/v1/conversations/${c[0]}/tags`, { tags: ['VIP', 'billing'] }, ws.key)).status).toBe(200);
    expect((await api('POST', `/v1/conversations/${c[0]}/labels`, { labelId: label }, ws.key)).status).toBe(200);
    // c1: queued, vip, read
    expect((await api('POST', `/v1/conversations/${c[1]}/tags`, { tags: ['vip'] }, ws.key)).status).toBe(200);
    expect((await api('POST', `/v1/conversations/${c[1]}/read`, undefined, ws.key)).status).toBe(200);
    // c2: second channel, resolved, billing, labelled, unread
    expect((await api('POST', `/v1/conversations/${c[2]}/tags`, { tags: ['billing'] }, ws.key)).status).toBe(200);
    expect((await api('POST', `/v1/conversations/${c[2]}/labels`, { labelId: label }, ws.key)).status).toBe(200);
    expect((await api('POST', `/v1/conversations/${c[2]}/status`, { status: 'resolved' }, ws.key)).status).toBe(200);
    // c3: archived
    expect((await api('POST', `/v1/conversations/${c[3]}/archive`, undefined, ws.key)).status).toBe(200);
    await eventually(async () => (await h.ctx.store.conversations.findById(c[2]).lean())?.queueId?.equals(queue));
  });

  const expectList = async (query: string, expected: number[]) => {
    const ids = await listAll(ws.key, query);
    // Newest first, each once, across pages of one.
    expect(ids, query).toEqual(expected.sort((a, b) => b - a).map((i) => c[i]));
  };

  it('filters by status, one or several', async () => {
    await expectList('status=active', [0]);
    await expectList('status=queued,resolved', [1, 2]);
    await expectList('status=queued&status=resolved', [1, 2]);
    expect((await api('GET', '/v1/conversations?status=sleeping', undefined, ws.key)).status).toBe(400);
  });

  it('filters by channel, queue, assignee (or none), contact and priority', async () => {
    await expectList(`channelId=${other.channelId}`, [2]);
    await expectList(`queueId=${queue}`, [2]);
    await expectList(`assigneeId=${agent}`, [0]);
    await expectList('assigneeId=none', [1, 2]);
    await expectList(`contactId=${contact2}`, [1]);
    await expectList('priority=high', [0]);
    await expectList('priority=normal,low', [1, 2]);
  });

  it('filters by tags (all of them, any case), label, unread and archived', async () => {
    await expectList('tags=vip', [0, 1]);
    await expectList('tags=VIP,billing', [0]);
    await expectList('tags=vip&tags=billing', [0]);
    await expectList(`labelId=${label}`, [0, 2]);
    await expectList('unread=true', [0, 2]);
    await expectList('unread=false', [1]);
    await expectList('archived=true', [3]);
  });

  it('filters by creation time and combines every filter with pagination', async () => {
    const at = (minutes: number) => encodeURIComponent(new Date(t0.getTime() + minutes * 60_000).toISOString());
    await expectList(`createdFrom=${at(30)}&createdTo=${at(150)}`, [1, 2]);
    await expectList(`tags=billing&unread=true&channelId=${ws.channelId}`, [0]);
    await expectList(`status=queued,resolved&assigneeId=none&createdFrom=${at(90)}`, [2]);
    await expectList(`labelId=${label}&priority=high&status=active`, [0]);
    await expectList(`labelId=${label}&archived=true`, []);
  });
});

describe('search', () => {
  let ws: WhatsAppFixture;
  let byText: string;
  let byName: string;
  let byEmail: string;
  let byPhone: string;
  let byNote: string;

  beforeAll(async () => {
    ws = await createWhatsAppWorkspace(h);
    byText = (await inbound(ws, newPhoneNumber(), 'The price is 5.00 (approx) for the Blue Widget')).conversationId;
    byName = (await inbound(ws, newPhoneNumber(), 'hello', { name: 'Zoë Fernández' })).conversationId;
    const withEmail = await inbound(ws, newPhoneNumber(), 'hello');
    byEmail = withEmail.conversationId;
    expect((await api('PATCH', `/v1/contacts/${withEmail.contactId}`, { email: 'billing+vip@acme.example' }, ws.key)).status).toBe(200);
    byPhone = (await inbound(ws, '15557654321', 'hello')).conversationId;
    byNote = (await inbound(ws, newPhoneNumber(), 'hello')).conversationId;
    expect((await api('POST', `/v1/conversations/${byNote}/notes`, { text: 'Customer is on the legacy plan' }, ws.key)).status).toBe(201);
  });

  const search = async (q: string, extra = '') => {
    const res = await api('GET', `/v1/conversations?q=${encodeURIComponent(q)}${extra}`, undefined, ws.key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.map((c: { id: string }) => c.id);
  };

  it('finds conversations by message text, case-insensitively, and by internal notes', async () => {
    expect(await search('blue widget')).toEqual([byText]);
    expect(await search('LEGACY plan')).toEqual([byNote]);
    expect(await search('nothing like this')).toEqual([]);
  });

  it("finds conversations by the contact's name, email and phone", async () => {
    expect(await search('fernández')).toEqual([byName]);
    expect(await search('billing+vip@acme')).toEqual([byEmail]);
    expect(await search('7654321')).toEqual([byPhone]);
    expect(await search('+1 (555) 765-4321')).toEqual([byPhone]);
  });

  it('takes regular expression characters literally', async () => {
    expect(await search('5.00 (approx)')).toEqual([byText]);
    expect(await search('5.0.')).toEqual([]);
    expect(await search('.*')).toEqual([]);
    expect(await search('(approx')).toEqual([byText]);
    expect(await search('[a-z]+')).toEqual([]);
  });

  it('combines with the other filters and with pagination', async () => {
    expect(await search('hello', '&limit=10')).toEqual([byNote, byPhone, byEmail, byName]);
    const first = await api('GET', '/v1/conversations?q=hello&limit=3', undefined, ws.key);
    const second = await api('GET', `/v1/conversations?q=hello&limit=3&cursor=${first.body.nextCursor}`, undefined, ws.key);
    expect([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).toEqual([byNote, byPhone, byEmail, byName]);
    expect(second.body.nextCursor).toBeNull();
    expect((await api('POST', `/v1/conversations/${byPhone}/status`, { status: 'resolved' }, ws.key)).status).toBe(200);
    expect(await search('hello', '&status=resolved')).toEqual([byPhone]);
    // Another workspace's text is never found.
    expect((await api('GET', '/v1/conversations?q=blue%20widget')).body.data).toEqual([]);
  });
});

describe('internal notes', () => {
  it('are stored marked internal, shown in the messages, announced, and never sent', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    const before = await h.ctx.store.conversations.findById(conversationId).lean();
    const res = await api('POST', `/v1/conversations/${conversationId}/notes`, { text: '  Called them back, waiting for the invoice  ' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ conversationId, internal: true, author: 'agent', direction: 'outbound', type: 'text', content: { type: 'text', text: 'Called them back, waiting for the invoice' } });

    const messages = await api('GET', `/v1/conversations/${conversationId}/messages`);
    expect(messages.body.data[0]).toMatchObject({ id: res.body.id, internal: true });
    expect(messages.body.data[1]).toMatchObject({ direction: 'inbound', internal: false });

    await eventually(() => h.ctx.store.events.exists({ type: 'message.note_added', 'data.message.id': res.body.id }));
    // No send job, no message.sent, no provider call (nock refuses any request it was not told about).
    expect(await h.ctx.queues.send.getJob(`send-${res.body.id}-1`)).toBeUndefined();
    expect(await h.ctx.store.events.exists({ type: 'message.sent', 'data.message.id': res.body.id })).toBeNull();
    expect(nock.pendingMocks()).toEqual([]);
    const stored = await h.ctx.store.messages.findById(res.body.id).lean();
    expect(stored).toMatchObject({ status: 'sent', internal: true });
    expect(stored?.sentAt).toBeUndefined();
    // A note is not the customer's: unread counts and the window do not move.
    const after = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(after?.unreadCount).toBe(before?.unreadCount);
    expect(after?.lastInboundAt).toEqual(before?.lastInboundAt);
  });

  it('refuse an empty or unknown body and unknown conversations', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    expect((await api('POST', `/v1/conversations/${conversationId}/notes`, { text: '   ' })).status).toBe(400);
    expect((await api('POST', `/v1/conversations/${conversationId}/notes`, { text: 'x', internal: false })).status).toBe(400);
    expect((await api('POST', `/v1/conversations/${new Types.ObjectId().toHexString()}/notes`, { text: 'x' })).status).toBe(404);
    expect(await h.ctx.store.messages.countDocuments({ conversationId, internal: true })).toBe(0);
  });
});

describe('tags and labels', () => {
  it('adds tags normalized and deduplicated, idempotently, and removes them', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    const added = await api('POST', `/v1/conversations/${conversationId}/tags`, { tags: [' VIP ', 'vip', 'Billing'] });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.tags).toEqual(['vip', 'billing']);
    expect(await updatedEvents(conversationId)).toHaveLength(1);

    const again = await api('POST', `/v1/conversations/${conversationId}/tags`, { tags: ['VIP'] });
    expect(again.body.tags).toEqual(['vip', 'billing']);
    expect(await updatedEvents(conversationId)).toHaveLength(1); // nothing changed, nothing announced

    h.clock.advance(1000);
    const removed = await api('DELETE', `/v1/conversations/${conversationId}/tags/VIP`);
    expect(removed.status).toBe(200);
    expect(removed.body.tags).toEqual(['billing']);
    const events = await updatedEvents(conversationId);
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.data.changed)).toEqual([['tags'], ['tags']]);
    expect((await api('DELETE', `/v1/conversations/${conversationId}/tags/absent`)).body.tags).toEqual(['billing']);
  });

  it('bounds tags in length, characters and number', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    expect((await api('POST', `/v1/conversations/${conversationId}/tags`, { tags: ['a,b'] })).status).toBe(400);
    expect((await api('POST', `/v1/conversations/${conversationId}/tags`, { tags: ['x'.repeat(51)] })).status).toBe(400);
    expect((await api('POST', `/v1/conversations/${conversationId}/tags`, { tags: [] })).status).toBe(400);
    for (let i = 0; i < 3; i++) {
      const batch = Array.from({ length: 20 }, (_, j) => `t${i * 20 + j}`);
      const res = await api('POST', `/v1/conversations/${conversationId}/tags`, { tags: batch });
      if (i < 2) expect(res.status).toBe(200);
      else {
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('too_many_tags');
      }
    }
    expect((await h.ctx.store.conversations.findById(conversationId).lean())?.tags).toHaveLength(40);
  });

  it('manages workspace labels (admin) with unique names and applies and removes them', async () => {
    const agent = await agentKey(wa);
    const created = await api('POST', '/v1/labels', { name: 'Urgent Care', color: '#FF0000' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'Urgent Care', color: '#ff0000', description: null });
    expect((await api('POST', '/v1/labels', { name: 'urgent care' })).body.error.code).toBe('label_exists');
    expect((await api('POST', '/v1/labels', { name: 'Other' }, agent)).status).toBe(403);
    expect((await api('POST', '/v1/labels', { name: 'Bad', color: 'red' })).status).toBe(400);
    const patched = await api('PATCH', `/v1/labels/${created.body.id}`, { description: 'Needs a call today' });
    expect(patched.body).toMatchObject({ name: 'Urgent Care', description: 'Needs a call today' });
    expect((await api('GET', '/v1/labels', undefined, agent)).body.data.map((l: { id: string }) => l.id)).toContain(created.body.id);

    const { conversationId } = await inbound(wa, newPhoneNumber());
    const applied = await api('POST', `/v1/conversations/${conversationId}/labels`, { labelId: created.body.id }, agent);
    expect(applied.status).toBe(200);
    expect(applied.body.labelIds).toEqual([created.body.id]);
    expect((await api('POST', `/v1/conversations/${conversationId}/labels`, { labelId: created.body.id }, agent)).body.labelIds).toEqual([created.body.id]);
    const unknown = await api('POST', `/v1/conversations/${conversationId}/labels`, { labelId: new Types.ObjectId().toHexString() });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('label_not_found');
    expect((await api('DELETE', `/v1/conversations/${conversationId}/labels/${new Types.ObjectId().toHexString()}`)).status).toBe(404);
    expect((await updatedEvents(conversationId)).map((e) => e.data.changed)).toEqual([['labelIds']]);

    h.clock.advance(1000);
    const removed = await api('DELETE', `/v1/conversations/${conversationId}/labels/${created.body.id}`, undefined, agent);
    expect(removed.body.labelIds).toEqual([]);
    expect(await updatedEvents(conversationId)).toHaveLength(2);

    // Deleting a label takes it off every conversation.
    await api('POST', `/v1/conversations/${conversationId}/labels`, { labelId: created.body.id });
    expect((await api('DELETE', `/v1/labels/${created.body.id}`)).status).toBe(204);
    expect((await h.ctx.store.conversations.findById(conversationId).lean())?.labelIds).toEqual([]);
    expect((await api('GET', `/v1/labels/${created.body.id}`)).status).toBe(404);
  });
});

describe('unread counting and mark read', () => {
  it('counts each customer message once, also when the webhook is delivered again', async () => {
    const from = newPhoneNumber();
    const first = await inbound(wa, from, 'one');
    h.clock.advance(1000);
    const second = await inbound(wa, from, 'two');
    expect(second.conversationId).toBe(first.conversationId);
    const unreadOf = async () => (await api('GET', `/v1/conversations/${first.conversationId}`)).body.unreadCount;
    expect(await unreadOf()).toBe(2);

    // Redelivered: byte for byte, and inside a different batch (a new raw event, the same message).
    await deliver(wa, textMessage(wa.phoneNumberId, { id: second.providerId, from, timestamp: unix(h.clock.now()), text: 'two' }));
    const batch = await deliver(
      wa,
      messagesWebhook(wa.phoneNumberId, [
        { id: first.providerId, from, timestamp: unix(h.clock.now()), type: 'text', text: { body: 'one' } },
        { id: second.providerId, from, timestamp: unix(h.clock.now()), type: 'text', text: { body: 'two' } },
      ]),
    );
    await eventually(() => h.ctx.store.rawEvents.exists({ _id: batch, state: 'processed' }));
    expect(await unreadOf()).toBe(2);
    expect(await h.ctx.store.messages.countDocuments({ conversationId: first.conversationId })).toBe(2);

    // Agents' replies and notes are not unread messages.
    await api('POST', `/v1/conversations/${first.conversationId}/notes`, { text: 'looking' });
    expect(await unreadOf()).toBe(2);
    const list = await api('GET', '/v1/conversations?unread=true&limit=200');
    expect(list.body.data.find((c: { id: string }) => c.id === first.conversationId)).toMatchObject({ unreadCount: 2 });
  });

  it('mark read resets the count and sets lastReadAt; later messages count again', async () => {
    const from = newPhoneNumber();
    const { conversationId } = await inbound(wa, from);
    h.clock.advance(60_000);
    const read = await api('POST', `/v1/conversations/${conversationId}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ unreadCount: 0, lastReadAt: h.clock.now().toISOString() });
    expect((await updatedEvents(conversationId)).map((e) => e.data.changed)).toEqual([['unreadCount', 'lastReadAt']]);

    h.clock.advance(60_000);
    await inbound(wa, from, 'are you there?');
    const view = await api('GET', `/v1/conversations/${conversationId}`);
    expect(view.body.unreadCount).toBe(1);
    expect((await api('GET', '/v1/conversations?unread=true&limit=200')).body.data.map((c: { id: string }) => c.id)).toContain(conversationId);
  });
});

describe('priority and snooze', () => {
  it('changes the priority through PATCH and nothing else', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    const res = await api('PATCH', `/v1/conversations/${conversationId}`, { priority: 'urgent' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ priority: 'urgent', status: 'queued' });
    expect((await api('PATCH', `/v1/conversations/${conversationId}`, { priority: 'urgent', status: 'resolved' })).status).toBe(400);
    expect((await api('PATCH', `/v1/conversations/${conversationId}`, { priority: 'asap' })).status).toBe(400);
    expect((await api('PATCH', `/v1/conversations/${conversationId}`, {})).status).toBe(400);
    expect((await updatedEvents(conversationId)).map((e) => e.data.changed)).toEqual([['priority']]);
  });

  it('snoozes through the lifecycle until a future time', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    const past = await api('POST', `/v1/conversations/${conversationId}/snooze`, { until: new Date(h.clock.now().getTime() - 1000).toISOString() });
    expect(past.status).toBe(422);
    expect(past.body.error.code).toBe('snooze_until_in_past');
    const until = new Date(h.clock.now().getTime() + HOUR).toISOString();
    const res = await api('POST', `/v1/conversations/${conversationId}/snooze`, { until });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    const c = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(await h.ctx.queues.timers.getJob(timerJobId(conversationId, 'snooze-wake', c!.lifecycleVersion))).toBeTruthy();
  });
});

describe('delete', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7]);

  /** A conversation with a text, an image fetched into the media store and a note; assigned to an agent. */
  async function fullConversation(fixture: WhatsAppFixture) {
    const from = newPhoneNumber();
    const { conversationId } = await inbound(fixture, from, 'first');
    const mediaId = `MEDIA_${randomBytes(4).toString('hex')}`;
    nock(GRAPH_BASE_URL).get(`/v23.0/${mediaId}`).reply(200, { url: `${GRAPH_BASE_URL}/download/${mediaId}`, mime_type: 'image/jpeg', file_size: jpeg.length, id: mediaId });
    nock(GRAPH_BASE_URL).get(`/download/${mediaId}`).reply(200, jpeg, { 'content-type': 'image/jpeg' });
    const imageId = `wamid.IMG${randomBytes(4).toString('hex')}`;
    await deliver(fixture, messagesWebhook(fixture.phoneNumberId, [{ id: imageId, from, timestamp: unix(h.clock.now()), type: 'image', image: { id: mediaId, mime_type: 'image/jpeg', sha256: 'x' } }]));
    const image = await eventually(async () => {
      const m = await h.ctx.store.messages.findOne({ providerMessageId: imageId }).lean();
      return m && 'media' in m.content && m.content.media.state === 'stored' ? m : null;
    });
    const storedId = 'media' in image.content ? image.content.media.storedId! : '';
    await api('POST', `/v1/conversations/${conversationId}/notes`, { text: 'private' }, fixture.key);
    const agent = await api('POST', '/v1/agents', { name: 'A', email: `a-${randomBytes(3).toString('hex')}@example.test`, status: 'available' }, fixture.key);
    expect((await api('POST', `/v1/conversations/${conversationId}/assign`, { agentId: agent.body.id }, fixture.key)).status).toBe(200);
    return { conversationId, from, storedId };
  }

  it('removes messages, media, transitions, the agent slot and timers; says so; a second DELETE is 404', async () => {
    const { conversationId, from, storedId } = await fullConversation(wa);
    const before = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(before?.assignedSlot).toBeTruthy();
    expect(await h.ctx.queues.timers.getJob(timerJobId(conversationId, 'auto-resolve', before!.lifecycleVersion))).toBeTruthy();

    expect((await api('DELETE', `/v1/conversations/${conversationId}`, undefined, await agentKey(wa))).status).toBe(403);
    const res = await api('DELETE', `/v1/conversations/${conversationId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ deleted: true, messages: 3, media: 1 });

    expect(await h.ctx.store.conversations.findById(conversationId).lean()).toBeNull();
    expect(await h.ctx.store.messages.countDocuments({ conversationId })).toBe(0);
    expect(await h.ctx.store.media.info(storedId, wa.workspaceId)).toBeNull();
    expect(await h.ctx.store.conversationTransitions.countDocuments({ conversationId })).toBe(0);
    expect(await h.ctx.store.agentSlots.exists({ _id: before!.assignedSlot })).toBeNull();
    expect(await h.ctx.queues.timers.getJob(timerJobId(conversationId, 'auto-resolve', before!.lifecycleVersion))).toBeUndefined();
    const event = await h.ctx.store.events.findOne({ type: 'conversation.deleted', conversationId }).lean();
    expect(event?.data).toMatchObject({ conversationId, messages: 3, media: 1 });

    expect((await api('DELETE', `/v1/conversations/${conversationId}`)).status).toBe(404);
    expect((await api('GET', `/v1/conversations/${conversationId}`)).status).toBe(404);

    // The contact's next message opens a new conversation.
    const next = await inbound(wa, from, 'hello again');
    expect(next.conversationId).not.toBe(conversationId);
  });

  it('erases every copy of its words: raw provider requests, stored API answers, events and their deliveries; another conversation keeps its own', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const subscription = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: 'http://127.0.0.1:9/hook', events: ['message.received', 'message.sent', 'conversation.created'] } });
    expect(subscription.status).toBe(201);
    const gone = await inbound(ws, newPhoneNumber(), 'secret words');
    const kept = await inbound(ws, newPhoneNumber(), 'other words');
    // A note: an answer kept for its Idempotency-Key, and no event the subscription gets (a delivery
    // made after the DELETE would be one of an event still in flight, a gap the note on the issue names).
    const note = await h.api('POST', `/v1/conversations/${gone.conversationId}/notes`, { key: ws.key, body: { text: 'private words' }, headers: { 'idempotency-key': 'erase-me' } });
    expect(note.status).toBe(201);
    // An answer that is the conversation itself (its subject, for an email, is the customer's words).
    const tagged = await h.api('POST', `/v1/conversations/${gone.conversationId}/tags`, { key: ws.key, body: { tags: ['vip'] }, headers: { 'idempotency-key': 'erase-me-too' } });
    expect(tagged.status).toBe(200);
    const [goneMessage, keptMessage] = await Promise.all([gone, kept].map((c) => h.ctx.store.messages.findOne({ conversationId: c.conversationId, direction: 'inbound' }).lean()));
    const copiesOf = async (conversationId: string) => ({
      events: await h.ctx.store.events.countDocuments({ conversationId, type: { $ne: 'conversation.deleted' } }),
      deliveries: await h.ctx.store.webhookDeliveries.countDocuments({ conversationId, eventType: { $ne: 'conversation.deleted' } }),
      idempotency: await h.ctx.store.idempotencyRecords.countDocuments({ _id: { $in: [`${ws.workspaceId}:erase-me`, `${ws.workspaceId}:erase-me-too`] } }),
    });
    await eventually(async () => (await copiesOf(gone.conversationId)).deliveries >= 2);
    expect(await h.ctx.store.rawEvents.exists({ _id: goneMessage!.rawEventId })).toBeTruthy();
    expect((await copiesOf(gone.conversationId)).idempotency).toBe(2);

    expect((await h.api('DELETE', `/v1/conversations/${gone.conversationId}`, { key: ws.key })).status).toBe(200);

    expect(await h.ctx.store.rawEvents.exists({ _id: goneMessage!.rawEventId })).toBeNull();
    expect(await h.ctx.store.rawEvents.exists({ _id: keptMessage!.rawEventId })).toBeTruthy();
    expect(await copiesOf(gone.conversationId)).toMatchObject({ events: 0, deliveries: 0, idempotency: 0 });
    // The live feed's replay keeps the other conversation's events, and of this one only its deletion.
    const replayed = async (conversationId: string) => {
      const entries = (await h.ctx.redis.xrange(realtimeKeys(h.ctx.config.QUEUE_PREFIX, ws.workspaceId).stream, '-', '+')) as StreamEntry[];
      return feedItemsOf(entries).filter((item) => item.entry.conversationId === conversationId).map((item) => item.entry.type);
    };
    expect(await eventually(async () => (await replayed(gone.conversationId)).includes('conversation.deleted') && replayed(gone.conversationId))).toEqual(['conversation.deleted']);
    expect(await replayed(kept.conversationId)).toContain('message.received');
    const other = await copiesOf(kept.conversationId);
    expect(other.events).toBeGreaterThan(0);
    expect(other.deliveries).toBeGreaterThan(0);
  });

  it('is finished by repeating it after a failure midway', async () => {
    const { conversationId, storedId } = await fullConversation(wa);
    const spy = vi.spyOn(h.ctx.store.media, 'delete').mockRejectedValueOnce(new Error('storage down'));
    const failed = await api('DELETE', `/v1/conversations/${conversationId}`);
    spy.mockRestore();
    expect(failed.status).toBe(500);
    // Half done: out of the open slot and the default list, still there to delete.
    const half = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(half).toMatchObject({ archived: true });
    expect(half?.openThread).toBeUndefined();

    const again = await api('DELETE', `/v1/conversations/${conversationId}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ deleted: true, messages: 3, media: 1 });
    expect(await h.ctx.store.messages.countDocuments({ conversationId })).toBe(0);
    expect(await h.ctx.store.media.info(storedId, wa.workspaceId)).toBeNull();
    expect(await h.ctx.store.conversations.findById(conversationId).lean()).toBeNull();
  });
});

describe('transcript export', () => {
  it('exports JSON and plain text, notes marked (or left out), as a download', async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber(), 'My order #42 has not arrived', { name: 'Maria' });
    await api('POST', `/v1/conversations/${conversationId}/notes`, { text: 'Checked with the warehouse' });

    const json = await api('GET', `/v1/conversations/${conversationId}/transcript?format=json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${conversationId}.json"`);
    expect(json.body.conversation.id).toBe(conversationId);
    expect(json.body.contact.name).toBe('Maria');
    expect(json.body.messages.map((m: { text: string; internal: boolean }) => [m.text, m.internal])).toEqual([
      ['My order #42 has not arrived', false],
      ['Checked with the warehouse', true],
    ]);

    const res = await fetch(`${h.baseUrl}/v1/conversations/${conversationId}/transcript?format=text`, { headers: { authorization: `Bearer ${wa.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${conversationId}.txt"`);
    const text = await res.text();
    expect(text).toContain('Maria: My order #42 has not arrived');
    expect(text).toContain('(internal note): Checked with the warehouse');

    const withoutNotes = await api('GET', `/v1/conversations/${conversationId}/transcript?notes=false`);
    expect(withoutNotes.body.messages).toHaveLength(1);
    expect((await api('GET', `/v1/conversations/${conversationId}/transcript?format=pdf`)).status).toBe(400);
  });
});

describe('tenancy', () => {
  it("answers every conversation route with 404 for another workspace's conversation and changes nothing", async () => {
    const { conversationId } = await inbound(wa, newPhoneNumber());
    const label = (await api('POST', '/v1/labels', { name: `mine-${randomBytes(3).toString('hex')}` })).body.id;
    const other = await createWhatsAppWorkspace(h);
    const otherLabel = (await api('POST', '/v1/labels', { name: 'theirs' }, other.key)).body.id;
    const calls: [string, string, unknown?][] = [
      ['POST', `/v1/conversations/${conversationId}/notes`, { text: 'x' }],
      ['POST', `/v1/conversations/${conversationId}/tags`, { tags: ['x'] }],
      ['DELETE', `/v1/conversations/${conversationId}/tags/x`],
      ['POST', `/v1/conversations/${conversationId}/labels`, { labelId: otherLabel }],
      ['DELETE', `/v1/conversations/${conversationId}/labels/${otherLabel}`],
      ['PATCH', `/v1/conversations/${conversationId}`, { priority: 'low' }],
      ['POST', `/v1/conversations/${conversationId}/read`],
      ['POST', `/v1/conversations/${conversationId}/snooze`, { until: new Date(h.clock.now().getTime() + HOUR).toISOString() }],
      ['GET', `/v1/conversations/${conversationId}/transcript`],
      ['DELETE', `/v1/conversations/${conversationId}`],
      ['GET', `/v1/labels/${label}`],
      ['PATCH', `/v1/labels/${label}`, { name: 'stolen' }],
      ['DELETE', `/v1/labels/${label}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(method, path, body, other.key);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    // Their label cannot be put on my conversation either.
    expect((await api('POST', `/v1/conversations/${conversationId}/labels`, { labelId: otherLabel })).status).toBe(422);
    const untouched = await api('GET', `/v1/conversations/${conversationId}`);
    expect(untouched.body).toMatchObject({ tags: [], labelIds: [], priority: 'normal', status: 'queued' });
    expect(await h.ctx.store.messages.countDocuments({ conversationId, internal: true })).toBe(0);
    expect((await api('GET', `/v1/labels/${label}`)).body.name).toMatch(/^mine-/);
  });
});
