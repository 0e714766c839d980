import { Types } from 'mongoose';
import { expect } from 'vitest';
import type { ConversationDoc } from '../../src/store/models/conversation.js';
import { createWhatsAppWorkspace, eventually, type Harness } from './harness.js';

export type RoutingWorkspace = Awaited<ReturnType<typeof routingWorkspace>>;

/** A fresh workspace for routing tests: its own default queue, agents and queued conversations. */
export async function routingWorkspace(h: Harness) {
  const wa = await createWhatsAppWorkspace(h);
  const workspaceId = new Types.ObjectId(wa.workspaceId);
  const channelId = new Types.ObjectId(wa.channelId);
  const api = (method: string, path: string, body?: unknown) => h.api(method, path, { key: wa.key, body });

  /** Agents stored directly, available with capacity 3 unless `fields` say otherwise. */
  const agents = async (n: number, fields: Record<string, unknown> = {}) => {
    const docs = await h.ctx.store.agents.insertMany(
      Array.from({ length: n }, (_, i) => ({ workspaceId, name: `A${i}`, email: `a${i}-${new Types.ObjectId().toHexString()}@x.test`, status: 'available', capacity: 3, ...fields })),
    );
    return docs.map((d) => String(d._id));
  };
  const queue = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/v1/queues', { name: 'Q', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  /** A queued conversation stored as ingest leaves it, one second after the previous, then routed. */
  const conversation = async (attributes: Record<string, unknown> = {}, channel = channelId) => {
    h.clock.advance(1000);
    const contact = await h.ctx.store.contacts.create({ workspaceId, attributes });
    const c = await h.ctx.store.conversations.create({ workspaceId, channelId: channel, contactId: contact._id, status: 'queued', statusChangedAt: h.clock.now() });
    return String((await h.ctx.router.route(workspaceId, c._id))?._id);
  };
  /** The conversation as the API shows it. */
  const get = async (id: string) => (await api('GET', `/v1/conversations/${id}`)).body;
  /** The conversation as stored. */
  const stored = async (id: string): Promise<ConversationDoc> => {
    const c = await h.ctx.store.conversations.findById(id).lean();
    if (!c) throw new Error(`no conversation ${id}`);
    return c;
  };
  /** Waits until the stored conversation passes `check` (changes happen in background jobs). */
  const until = (id: string, check: (c: ConversationDoc) => boolean) =>
    eventually(async () => {
      const c = await stored(id);
      return check(c) ? c : null;
    });
  return { wa, workspaceId, channelId, api, agents, queue, conversation, get, stored, until };
}
