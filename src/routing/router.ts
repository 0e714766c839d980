import type { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { LifecycleActor } from '../conversations/lifecycle-service.js';
import { pickQueue, type ConversationFacts } from '../domain/queue-matching.js';
import { AppError, conflict, isDuplicateKeyError, notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import { conversationToApi, transferToApi } from '../http/serializers.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';
import type { AgentDoc } from '../store/models/agent.js';
import type { ConversationDoc, ConversationTransfer } from '../store/models/conversation.js';
import type { QueueDoc } from '../store/models/queue.js';
import type { AssignmentService } from './assignment-service.js';

type Id = Types.ObjectId | string;

/** How many queued conversations an agent turning available pulls at most in one go. */
const PULL_BATCH = 50;

/** Refusals that only say "not this agent": routing tries the next one. */
const AGENT_REFUSALS = new Set(['agent_at_capacity', 'agent_unavailable']);

export interface TransferTarget {
  agentId?: string;
  queueId?: string;
  note?: string;
}

/**
 * Puts conversations in queues and, for automatic queues, in front of agents. Every assignment
 * goes through AssignmentService, whose unique claims decide races; routing itself only chooses
 * whom to try, so two processes routing at once can at worst try the same agent, and one loses.
 * Nothing inbound is refused: a conversation nobody can take stays queued until an agent of its
 * queue turns available or an agent accepts it.
 */
export class Router {
  constructor(private readonly deps: { store: Store; assignment: AssignmentService; outbox: Outbox; clock: Clock; logger: Logger }) {}

  /** The workspace's default queue, created on first use; the unique defaultKey keeps it single. */
  async defaultQueue(workspaceId: Types.ObjectId): Promise<QueueDoc> {
    const { routingQueues } = this.deps.store;
    const defaultKey = String(workspaceId);
    const existing = await routingQueues.findOne({ defaultKey }).lean();
    if (existing) return existing;
    try {
      return (await routingQueues.create({ workspaceId, name: 'Default', isDefault: true, defaultKey, priority: 0, strategy: 'manual' })).toObject();
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const winner = await routingQueues.findOne({ defaultKey }).lean();
      if (!winner) throw err;
      return winner;
    }
  }

  /**
   * Gives a queued conversation its queue (once: the queue it has is kept) and, unless the queue
   * is manual, offers it to the queue's agents. Safe to repeat: anything not queued is left alone.
   */
  async route(workspaceId: Types.ObjectId, conversationId: Id, opts: { exclude?: Types.ObjectId } = {}): Promise<ConversationDoc | null> {
    const { store } = this.deps;
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (conversation?.status !== 'queued') return conversation;
    const kept: QueueDoc | null = conversation.queueId ? await store.routingQueues.findOne({ _id: conversation.queueId, workspaceId }).lean() : null;
    const queue = kept ?? (await this.pick(conversation));
    // Two routers of the same conversation compute the same queue, so either write is right.
    if (!kept) await store.conversations.updateOne({ _id: conversation._id }, { $set: { queueId: queue._id } });
    if (queue.strategy !== 'manual') await this.offer(queue, conversation._id, opts.exclude);
    return store.conversations.findById(conversation._id).lean();
  }

  /** Back to queued, then routed again to someone other than the agent it left. */
  async unassign(workspaceId: Types.ObjectId, conversationId: Id, opts: { actor: LifecycleActor }): Promise<ConversationDoc> {
    // Read first: unassigning clears assigneeId.
    const before = await this.deps.store.conversations.findOne({ _id: conversationId, workspaceId }, { assigneeId: 1 }).lean();
    const left = await this.deps.assignment.unassign(workspaceId, conversationId, opts);
    return (await this.route(workspaceId, left._id, { exclude: before?.assigneeId })) ?? left;
  }

  /** An agent turned available: it takes the oldest queued conversations of its automatic queues. */
  async agentAvailable(workspaceId: Types.ObjectId, agentId: Types.ObjectId): Promise<number> {
    const { store, assignment } = this.deps;
    const queues = await store.routingQueues.find({ workspaceId, agentIds: agentId, strategy: { $ne: 'manual' } }, { _id: 1 }).lean();
    if (queues.length === 0) return 0;
    const waiting = await store.conversations
      .find({ workspaceId, queueId: { $in: queues.map((q) => q._id) }, status: 'queued' }, { _id: 1 })
      .sort({ createdAt: 1 })
      .limit(PULL_BATCH)
      .lean();
    let taken = 0;
    for (const c of waiting) {
      try {
        await assignment.assign(workspaceId, c._id, agentId, { actor: 'automation' });
        taken++;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (AGENT_REFUSALS.has(err.code)) break;
        // Someone else took this one meanwhile: on to the next.
      }
    }
    return taken;
  }

  /**
   * An agent went offline: its active conversations in queues with `redistributeOnOffline` go
   * back to queued and are routed to the others. Others stay with the agent.
   */
  async agentOffline(workspaceId: Types.ObjectId, agentId: Types.ObjectId): Promise<number> {
    const { store, assignment } = this.deps;
    const queues = await store.routingQueues.find({ workspaceId, redistributeOnOffline: true }, { _id: 1 }).lean();
    if (queues.length === 0) return 0;
    const held = await store.conversations
      .find({ workspaceId, assigneeId: agentId, status: 'active', queueId: { $in: queues.map((q) => q._id) } }, { _id: 1 })
      .lean();
    let moved = 0;
    for (const c of held) {
      try {
        await assignment.unassign(workspaceId, c._id, { actor: 'automation' });
      } catch (err) {
        // It changed meanwhile (resolved, say): nothing to redistribute.
        if (err instanceof AppError && err.code === 'invalid_transition') continue;
        throw err;
      }
      await this.route(workspaceId, c._id, { exclude: agentId });
      moved++;
    }
    return moved;
  }

  /**
   * Moves a queued or active conversation to an agent or to a queue, keeping the note on the
   * conversation's `transfers` and in a `conversation.transferred` event. To an agent, the agent
   * is checked first so a refusal leaves the conversation where it was; if the assignment still
   * loses a race, the conversation is routed in its queue and the refusal is returned.
   */
  async transfer(workspaceId: Types.ObjectId, conversationId: Id, target: TransferTarget, opts: { actor: LifecycleActor }): Promise<ConversationDoc> {
    const { store, assignment, outbox, clock } = this.deps;
    const current = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!current) throw notFound('Conversation');
    if (current.status !== 'queued' && current.status !== 'active') {
      throw conflict('invalid_transition', `A ${current.status} conversation cannot be transferred`, { from: current.status, allowed: ['queued', 'active'] });
    }
    const fromAgentId = current.status === 'active' ? current.assigneeId : undefined;
    const record: ConversationTransfer = { at: clock.now(), ...(fromAgentId && { fromAgentId }), ...(target.note !== undefined && { note: target.note }) };

    if (target.agentId !== undefined) {
      const agent = await store.agents.findOne({ _id: target.agentId, workspaceId }).lean();
      if (!agent) throw notFound('Agent');
      await this.checkCanTake(agent, current);
      record.toAgentId = agent._id;
      if (current.status === 'active') await assignment.unassign(workspaceId, current._id, opts);
      try {
        await assignment.assign(workspaceId, current._id, agent._id, opts);
      } catch (err) {
        await this.route(workspaceId, current._id, { exclude: fromAgentId });
        throw err;
      }
    } else if (target.queueId !== undefined) {
      const queue = await store.routingQueues.findOne({ _id: target.queueId, workspaceId }).lean();
      if (!queue) throw notFound('Queue');
      record.toQueueId = queue._id;
      await store.conversations.updateOne({ _id: current._id }, { $set: { queueId: queue._id } });
      if (current.status === 'active') await assignment.unassign(workspaceId, current._id, opts);
      await this.route(workspaceId, current._id, { exclude: fromAgentId });
    }

    const updated = await store.conversations.findOneAndUpdate({ _id: current._id }, { $push: { transfers: record } }, { new: true }).lean();
    if (!updated) throw notFound('Conversation');
    await outbox.emit({
      type: 'conversation.transferred',
      workspaceId,
      // The count of transfers is unique per transfer of this conversation.
      key: `${String(updated._id)}-${updated.transfers?.length ?? 0}`,
      conversationId: updated._id,
      data: { conversation: conversationToApi(updated), transfer: transferToApi(record), actor: opts.actor },
    });
    return updated;
  }

  /** 1-based place among the queued conversations of its queue, oldest first; null unless queued. */
  async queuePosition(c: ConversationDoc): Promise<number | null> {
    if (c.status !== 'queued' || !c.queueId) return null;
    const ahead = await this.deps.store.conversations.countDocuments({
      workspaceId: c.workspaceId,
      queueId: c.queueId,
      status: 'queued',
      $or: [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, _id: { $lt: c._id } }],
    });
    return ahead + 1;
  }

  /** The queue whose rules the conversation matches now, else the default one. */
  private async pick(c: ConversationDoc): Promise<QueueDoc> {
    const { store, clock } = this.deps;
    const fallback = await this.defaultQueue(c.workspaceId);
    const queues = await store.routingQueues.find({ workspaceId: c.workspaceId, isDefault: false }).sort({ _id: 1 }).lean();
    const contact = await store.contacts.findById(c.contactId, { attributes: 1 }).lean();
    return pickQueue([...queues, fallback], factsOf(c, contact?.attributes ?? {}), clock.now()) ?? fallback;
  }

  /** Tries the queue's candidates in the strategy's order until one takes the conversation. */
  private async offer(queue: QueueDoc, conversationId: Types.ObjectId, exclude?: Types.ObjectId): Promise<boolean> {
    const { store, assignment } = this.deps;
    for (const agentId of await this.candidates(queue, exclude)) {
      try {
        await assignment.assign(queue.workspaceId, conversationId, agentId, { actor: 'automation' });
      } catch (err) {
        if (err instanceof AppError && AGENT_REFUSALS.has(err.code)) continue;
        // Taken or changed by someone else: it no longer needs routing.
        if (err instanceof AppError) return false;
        throw err;
      }
      if (queue.strategy === 'round_robin') await store.routingQueues.updateOne({ _id: queue._id }, { $set: { rrCursor: agentId } });
      return true;
    }
    return false;
  }

  /**
   * Members that are available with a free slot, in the order to try them: least_busy by fewest
   * held slots (ties in member order), round_robin starting after the last one assigned.
   */
  private async candidates(queue: QueueDoc, exclude?: Types.ObjectId): Promise<Types.ObjectId[]> {
    const { store } = this.deps;
    const members = queue.agentIds.filter((id) => !exclude?.equals(id));
    if (members.length === 0) return [];
    const agents = await store.agents.find({ _id: { $in: members }, workspaceId: queue.workspaceId, status: 'available' }, { capacity: 1 }).lean();
    const loads = await store.agentSlots.aggregate<{ _id: Types.ObjectId; n: number }>([
      { $match: { agentId: { $in: agents.map((a) => a._id) } } },
      { $group: { _id: '$agentId', n: { $sum: 1 } } },
    ]);
    const load = (id: Types.ObjectId) => loads.find((l) => l._id.equals(id))?.n ?? 0;
    const free = members.filter((id) => agents.some((a) => a._id.equals(id) && load(id) < a.capacity));
    if (queue.strategy === 'least_busy') return free.map((id, i) => ({ id, i, n: load(id) })).sort((a, b) => a.n - b.n || a.i - b.i).map((x) => x.id);
    const after = queue.rrCursor ? queue.agentIds.findIndex((id) => id.equals(queue.rrCursor)) : -1;
    const rank = (id: Types.ObjectId) => (queue.agentIds.findIndex((m) => m.equals(id)) - after - 1 + queue.agentIds.length) % queue.agentIds.length;
    return [...free].sort((a, b) => rank(a) - rank(b));
  }

  /** Checked before a transfer moves anything, so a refusal leaves the conversation as it was. */
  private async checkCanTake(agent: AgentDoc, c: ConversationDoc): Promise<void> {
    if (agent.status !== 'available') throw conflict('agent_unavailable', `The agent is ${agent.status}`, { agentId: String(agent._id), status: agent.status });
    if (c.status === 'active' && c.assigneeId?.equals(agent._id)) throw conflict('already_assigned', 'The conversation is assigned to this agent already', { assigneeId: String(agent._id) });
    if ((await this.deps.store.agentSlots.countDocuments({ agentId: agent._id })) >= agent.capacity) {
      throw conflict('agent_at_capacity', 'The agent holds as many conversations as its capacity allows', { agentId: String(agent._id), capacity: agent.capacity });
    }
  }
}

/**
 * What matching reads of a conversation. Conversations carry no language or tags of their own:
 * they come from the contact's `language` and `tags` attributes.
 */
export function factsOf(c: ConversationDoc, attributes: Record<string, unknown>): ConversationFacts {
  const tags = attributes.tags;
  const language = attributes.language;
  return {
    channelId: String(c.channelId),
    tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [],
    ...(typeof language === 'string' && { language }),
    contactAttributes: attributes,
  };
}
