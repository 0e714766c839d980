import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationStatus } from '../src/domain/conversation.js';
import type { MessageDirection } from '../src/store/models/message.js';
import { createWhatsAppWorkspace, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import type { MessageAuthor } from '../src/domain/message.js';

/**
 * Known fixtures inserted through the store at fixed clock times, and the exact numbers
 * GET /v1/analytics must give for them, filter by filter.
 */

let h: Harness;
let wa: WhatsAppFixture;
let other: WhatsAppFixture;
const ids = { chA: '', chB: '', q1: '', q2: '', a1: '', a2: '' };

const at = (iso: string) => new Date(iso);
const S = 1000;
const DAY_FROM = '2026-01-15T00:00:00.000Z';
const DAY_TO = '2026-01-16T00:00:00.000Z';
/** "Now" for the report: 20:00 UTC on the 15th (15:00 in New York, 05:00 on the 16th in Tokyo). */
const NOW = at('2026-01-15T20:00:00Z');

interface ConversationFixture {
  channel: 'chA' | 'chB';
  queue?: 'q1' | 'q2';
  agent?: 'a1' | 'a2';
  status: ConversationStatus;
  createdAt: string;
  firstResponseAfter?: number;
  resolvedAt?: string;
}

async function conversation(f: ConversationFixture, workspace = wa): Promise<Types.ObjectId> {
  h.clock.set(at(f.createdAt));
  const created = await h.ctx.store.conversations.create({
    workspaceId: workspace.workspaceId,
    channelId: f.channel === 'chA' ? workspace.channelId : ids.chB,
    contactId: new Types.ObjectId(),
    status: f.status,
    queueId: f.queue && ids[f.queue],
    assigneeId: f.agent && ids[f.agent],
    firstResponseAt: f.firstResponseAfter === undefined ? undefined : new Date(at(f.createdAt).getTime() + f.firstResponseAfter * S),
    resolvedAt: f.resolvedAt && at(f.resolvedAt),
  });
  return created._id;
}

async function message(conversationId: Types.ObjectId, createdAt: string, direction: MessageDirection, extra: { author?: MessageAuthor; internal?: boolean } = {}) {
  const c = await h.ctx.store.conversations.findById(conversationId).lean();
  if (!c) throw new Error('no conversation');
  h.clock.set(at(createdAt));
  await h.ctx.store.messages.create({
    workspaceId: c.workspaceId,
    channelId: c.channelId,
    conversationId,
    contactId: c.contactId,
    direction,
    author: extra.author ?? (direction === 'inbound' ? 'contact' : 'agent'),
    internal: extra.internal,
    type: 'text',
    content: { type: 'text', text: 'x' },
    status: direction === 'inbound' ? 'received' : 'sent',
  });
}

async function csatRequest(conversationId: Types.ObjectId, sentAt: string, state: 'sent' | 'skipped', rated?: { rating: number; at: string }) {
  const c = await h.ctx.store.conversations.findById(conversationId).lean();
  if (!c) throw new Error('no conversation');
  const _id = `request-${String(conversationId)}`;
  const copied = { workspaceId: c.workspaceId, conversationId, channelId: c.channelId, queueId: c.queueId, agentId: c.assigneeId };
  await h.ctx.store.csatRequests.create({ _id, ...copied, state, ...(state === 'sent' && { token: `token-${_id}` }), at: at(sentAt) });
  if (rated) await h.ctx.store.csatRatings.create({ _id, ...copied, rating: rated.rating, requestedAt: at(sentAt), at: at(rated.at) });
}

const report = async (query: Record<string, string>, key = wa.key) => {
  const res = await h.api('GET', `/v1/analytics?${new URLSearchParams({ from: DAY_FROM, to: DAY_TO, ...query })}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

beforeAll(async () => {
  h = await startHarness({ workers: false });
  wa = await createWhatsAppWorkspace(h);
  other = await createWhatsAppWorkspace(h);
  ids.chA = wa.channelId;
  const chB = await h.api('POST', '/v1/channels', {
    key: wa.key,
    body: { type: 'whatsapp-cloud', name: 'WA 2', settings: { phoneNumberId: '1999000111', wabaId: 'waba1999000111' }, secrets: { accessToken: 't', appSecret: 's', verifyToken: 'v' } },
  });
  expect(chB.status).toBe(201);
  ids.chB = chB.body.id;
  for (const q of ['q1', 'q2'] as const) ids[q] = (await h.api('POST', '/v1/queues', { key: wa.key, body: { name: q } })).body.id;
  for (const a of ['a1', 'a2'] as const) ids[a] = (await h.api('POST', '/v1/agents', { key: wa.key, body: { name: a, email: `${a}@example.test` } })).body.id;

  // Created on the 15th (the range).
  const c1 = await conversation({ channel: 'chA', queue: 'q1', agent: 'a1', status: 'resolved', createdAt: '2026-01-15T10:00:00Z', firstResponseAfter: 60, resolvedAt: '2026-01-15T11:00:00Z' });
  const c2 = await conversation({ channel: 'chA', queue: 'q1', agent: 'a2', status: 'active', createdAt: '2026-01-15T10:10:00Z', firstResponseAfter: 120 });
  const c3 = await conversation({ channel: 'chB', queue: 'q2', agent: 'a1', status: 'closed', createdAt: '2026-01-15T10:20:00Z', firstResponseAfter: 300, resolvedAt: '2026-01-15T12:20:00Z' });
  const c4 = await conversation({ channel: 'chB', queue: 'q2', status: 'queued', createdAt: '2026-01-15T10:30:00Z' });
  await conversation({ channel: 'chA', queue: 'q2', agent: 'a2', status: 'pending', createdAt: '2026-01-15T10:40:00Z', firstResponseAfter: 30 });
  // Created the day before, resolved at 03:00 UTC on the 15th (still the 14th in New York).
  const c0 = await conversation({ channel: 'chA', queue: 'q1', agent: 'a1', status: 'resolved', createdAt: '2026-01-14T10:00:00Z', firstResponseAfter: 10, resolvedAt: '2026-01-15T03:00:00Z' });
  // Created after the range.
  await conversation({ channel: 'chA', queue: 'q1', agent: 'a1', status: 'active', createdAt: '2026-01-16T01:00:00Z', firstResponseAfter: 5 });
  // Another workspace, same day: never counted.
  const foreign = await conversation({ channel: 'chA', status: 'resolved', createdAt: '2026-01-15T10:00:00Z', firstResponseAfter: 1, resolvedAt: '2026-01-15T10:30:00Z' }, other);

  await message(c1, '2026-01-15T10:00:00Z', 'inbound');
  await message(c1, '2026-01-15T10:01:00Z', 'outbound');
  await message(c1, '2026-01-15T10:02:00Z', 'outbound', { internal: true }); // a note: not a message to count
  await message(c1, '2026-01-15T10:03:00Z', 'inbound');
  await message(c2, '2026-01-15T10:10:00Z', 'inbound');
  await message(c3, '2026-01-15T10:20:00Z', 'inbound');
  await message(c3, '2026-01-15T10:25:00Z', 'outbound', { author: 'business' }); // an echo counts as out
  await message(c4, '2026-01-15T10:30:00Z', 'inbound');
  await message(c0, '2026-01-14T10:00:00Z', 'inbound'); // before the range
  await message(c0, '2026-01-15T02:00:00Z', 'inbound'); // an older conversation's message in the range
  await message(foreign, '2026-01-15T10:00:00Z', 'inbound');

  await csatRequest(c1, '2026-01-15T11:00:00Z', 'sent', { rating: 5, at: '2026-01-15T11:30:00Z' });
  await csatRequest(c3, '2026-01-15T12:20:00Z', 'sent');
  await csatRequest(c2, '2026-01-15T12:30:00Z', 'skipped');
  // Requested the day before, rated in the range.
  await csatRequest(c0, '2026-01-14T12:00:00Z', 'sent', { rating: 2, at: '2026-01-15T09:00:00Z' });
  await csatRequest(foreign, '2026-01-15T10:30:00Z', 'sent', { rating: 1, at: '2026-01-15T10:40:00Z' });

  h.clock.set(NOW);
});
afterAll(() => h.close());

describe('GET /v1/analytics over known fixtures', () => {
  it('reports the whole workspace', async () => {
    expect(await report({})).toEqual({
      from: DAY_FROM,
      to: DAY_TO,
      timezone: 'UTC',
      filters: { channelId: null, queueId: null, agentId: null },
      conversations: { total: 5, open: 3, resolvedToday: 3 },
      firstResponseTime: { count: 4, averageSeconds: 127.5, p90Seconds: 300 },
      resolutionTime: { count: 2, averageSeconds: 5400 },
      messages: { inbound: 6, outbound: 2 },
      csat: { ratings: 2, average: 3.5, distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 }, requests: 2, responded: 1, responseRate: 0.5 },
    });
  });

  it('filters by channel', async () => {
    const r = await report({ channelId: ids.chB });
    expect(r.filters).toEqual({ channelId: ids.chB, queueId: null, agentId: null });
    expect(r.conversations).toEqual({ total: 2, open: 1, resolvedToday: 1 });
    expect(r.firstResponseTime).toEqual({ count: 1, averageSeconds: 300, p90Seconds: 300 });
    expect(r.resolutionTime).toEqual({ count: 1, averageSeconds: 7200 });
    expect(r.messages).toEqual({ inbound: 2, outbound: 1 });
    expect(r.csat).toMatchObject({ ratings: 0, average: null, requests: 1, responded: 0, responseRate: 0 });
  });

  it('filters by queue, counting messages through their conversations', async () => {
    const r = await report({ queueId: ids.q1 });
    expect(r.conversations).toEqual({ total: 2, open: 1, resolvedToday: 2 });
    expect(r.firstResponseTime).toEqual({ count: 2, averageSeconds: 90, p90Seconds: 120 });
    expect(r.resolutionTime).toEqual({ count: 1, averageSeconds: 3600 });
    expect(r.messages).toEqual({ inbound: 4, outbound: 1 });
    expect(r.csat).toEqual({ ratings: 2, average: 3.5, distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 }, requests: 1, responded: 1, responseRate: 1 });
  });

  it('filters by agent (the assignee)', async () => {
    const r = await report({ agentId: ids.a1 });
    expect(r.conversations).toEqual({ total: 2, open: 0, resolvedToday: 3 });
    expect(r.firstResponseTime).toEqual({ count: 2, averageSeconds: 180, p90Seconds: 300 });
    expect(r.resolutionTime).toEqual({ count: 2, averageSeconds: 5400 });
    expect(r.messages).toEqual({ inbound: 4, outbound: 2 });
    expect(r.csat).toMatchObject({ ratings: 2, requests: 2, responded: 1, responseRate: 0.5 });
  });

  it('combines filters', async () => {
    const r = await report({ channelId: ids.chA, agentId: ids.a2 });
    expect(r.conversations).toEqual({ total: 2, open: 2, resolvedToday: 0 });
    expect(r.firstResponseTime).toEqual({ count: 2, averageSeconds: 75, p90Seconds: 120 });
    expect(r.resolutionTime).toEqual({ count: 0, averageSeconds: null });
    expect(r.messages).toEqual({ inbound: 1, outbound: 0 });
    expect(r.csat).toMatchObject({ ratings: 0, requests: 0, responded: 0, responseRate: null });
  });

  it('takes the range as [from, to)', async () => {
    const r = await report({ from: '2026-01-15T10:20:00Z', to: '2026-01-15T10:40:00Z' });
    expect(r.conversations.total).toBe(2); // c3 and c4; c5 at 10:40 is outside
    expect(r.messages).toEqual({ inbound: 2, outbound: 1 });
    const before = await report({ from: '2026-01-14T00:00:00Z', to: '2026-01-15T00:00:00Z' });
    expect(before.conversations).toMatchObject({ total: 1, open: 0 });
    expect(before.firstResponseTime).toEqual({ count: 1, averageSeconds: 10, p90Seconds: 10 });
    expect(before.csat).toMatchObject({ ratings: 0, requests: 1, responded: 1, responseRate: 1 });
  });

  it('counts "resolved today" in the requested timezone', async () => {
    expect((await report({ timezone: 'America/New_York' })).conversations.resolvedToday).toBe(2); // c0 resolved on the 14th there
    expect((await report({ timezone: 'Asia/Tokyo' })).conversations.resolvedToday).toBe(0); // already the 16th there
  });

  it('defaults to the 30 days before now', async () => {
    const res = await h.api('GET', '/v1/analytics', { key: wa.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2025-12-16T20:00:00.000Z', to: NOW.toISOString(), timezone: 'UTC' });
    expect(res.body.conversations.total).toBe(6); // c0 to c5
  });

  it("shows another workspace only its own numbers, and its ids as 404 filters", async () => {
    const theirs = await report({}, other.key);
    expect(theirs.conversations).toEqual({ total: 1, open: 0, resolvedToday: 1 });
    expect(theirs.messages).toEqual({ inbound: 1, outbound: 0 });
    expect(theirs.csat).toMatchObject({ ratings: 1, requests: 1, responded: 1 });
    for (const filter of [{ channelId: ids.chB }, { queueId: ids.q1 }, { agentId: ids.a1 }] as Record<string, string>[]) {
      const res = await h.api('GET', `/v1/analytics?${new URLSearchParams(filter)}`, { key: other.key });
      expect(res.status, JSON.stringify(filter)).toBe(404);
    }
  });

  it('refuses bad queries with 400 and no key with 401', async () => {
    const get = (query: string) => h.api('GET', `/v1/analytics?${query}`, { key: wa.key });
    expect((await get('from=2026-01-16T00:00:00Z&to=2026-01-15T00:00:00Z')).body.error.code).toBe('invalid_range');
    for (const query of ['timezone=Mars/Olympus', 'from=yesterday', 'channelId=nope', 'color=blue']) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
    }
    expect((await h.api('GET', '/v1/analytics')).status).toBe(401);
  });
});
