import { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { LifecycleActor } from '../conversations/lifecycle-service.js';
import { pickQueue, type ConversationFacts } from '../domain/queue-matching.js';
import { AppError } from '../errors.js';
import { insertOrFindWinner } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { AgentDoc } from '../store/models/agent.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { QueueDoc } from '../store/models/queue.js';
import type { AssignmentService } from './assignment-service.js';
import { inStrategyOrder, leastBusyFirst } from './candidate-order.js';
import type { LoadHints } from './load-hints.js';
import type { OverflowTimers } from './overflow-timers.js';
import type { RoundRobinCursors } from './round-robin-cursors.js';
import type { WorkspaceQueues } from './workspace-queues.js';
import { retryTransient } from './transient.js';

type Id = Types.ObjectId | string;

/** How many queued conversations an agent turning available pulls at most in one go. */
const PULL_BATCH = 50;

/** How many members, in the order routing tries them, are read one by one before the rest at once. */
const FIRST_CANDIDATES = 8;

const AGENT_REFUSALS = new Set(['agent_at_capacity', 'agent_unavailable']);

/** A refusal that only says "not this agent": whoever is choosing (routing, an automation rule) tries the next one. */
export function isAgentRefusal(err: unknown): err is AppError {
  return err instanceof AppError && AGENT_REFUSALS.has(err.code);
}

/**
 * Brings queued conversations and available agents together: a conversation is put in a queue
 * and, for automatic queues, in front of its agents; an agent with a free slot takes the work
 * waiting in its queues. Every assignment goes through AssignmentService, whose unique claims
 * decide races; routing itself only chooses whom to try, so two processes routing at once can at
 * worst try the same agent, and one loses. Nothing inbound is refused: a conversation nobody can
 * take stays queued until an agent of its queue turns available or an agent accepts it.
 */
export class ConversationRouter {
  constructor(
    private readonly deps: {
      store: Store;
      assignment: AssignmentService;
      loads: LoadHints;
      cursors: RoundRobinCursors;
      workspaceQueues: WorkspaceQueues;
      overflowTimers: OverflowTimers;
      clock: Clock;
    },
  ) {}

  /** The workspace's default queue, created on first use; the unique defaultKey keeps it single. */
  async defaultQueue(workspaceId: Types.ObjectId): Promise<QueueDoc> {
    const existing = (await this.deps.workspaceQueues.of(workspaceId)).find((q) => q.isDefault);
    if (existing) return existing;
    const defaultKey = String(workspaceId);
    const record = { workspaceId, name: 'Default', isDefault: true, defaultKey, priority: 0, strategy: 'manual' as const };
    const { doc, inserted } = await insertOrFindWinner(this.deps.store.routingQueues, record, { defaultKey });
    if (inserted) await this.deps.workspaceQueues.changed(workspaceId);
    return doc;
  }

  /** One of the workspace's queues; read from the store when this process's copy does not have it yet. */
  private async queueOf(workspaceId: Types.ObjectId, queueId: Types.ObjectId): Promise<QueueDoc | null> {
    const cached = (await this.deps.workspaceQueues.of(workspaceId)).find((q) => q._id.equals(queueId));
    return cached ?? (await this.deps.store.routingQueues.findOne({ _id: queueId, workspaceId }).lean());
  }

  /**
   * Gives a queued conversation its queue (once: the queue it has is kept) and, unless the queue
   * is manual, offers it to the queue's agents; one still waiting gets the queue's overflow timer.
   * Safe to repeat: anything not queued is left alone, and the timer's job id is deterministic.
   */
  async route(workspaceId: Types.ObjectId, conversationId: Id, opts: { exclude?: Types.ObjectId; cause?: LifecycleActor } = {}): Promise<ConversationDoc | null> {
    const { store } = this.deps;
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    // The AI agent answers it (Agent replies): people get it when it is handed off (src/ai-agent/).
    if (conversation?.status !== 'queued' || conversation.aiAgent?.replies) return conversation;
    const kept = conversation.queueId ? await this.queueOf(workspaceId, conversation.queueId) : null;
    const queue = kept ?? (await this.pick(conversation));
    // Two routers of the same conversation compute the same queue, so either write is right. Only
    // while it is still queued: FerretDB writes the whole document it read, and an unconditional
    // write could put back a status changed meanwhile.
    if (!kept) await store.conversations.updateOne({ _id: conversation._id, status: 'queued' }, { $set: { queueId: queue._id } });
    // An assignment routing makes for an automation rule's action is the rule's: it must not trigger rules.
    const actor = opts.cause === 'automation' ? 'automation' : 'routing';
    // Not assigned: still queued as read, now in its queue (a change since then moved its version on,
    // which makes the overflow timer scheduled here stale).
    const queued = { ...conversation, queueId: queue._id };
    const offered = queue.strategy !== 'manual' ? await this.offer(queue, queued, actor, opts.exclude) : null;
    const after = offered ?? queued;
    await this.deps.overflowTimers.schedule(after, queue);
    return after;
  }

  /**
   * Reaction to `conversation.status_changed`. A conversation queued again (unassigned, woken,
   * reopened, left by an agent going offline) is routed, not back to the agent it left; an agent
   * whose slot the change freed (ended, unassigned, transferred away) takes waiting work. Paths
   * that routed already are left as they are: route does nothing to a conversation not queued.
   */
  async statusChanged(workspaceId: Types.ObjectId, conversationId: Types.ObjectId, data: Record<string, unknown>): Promise<void> {
    const freed = typeof data.freedAgentId === 'string' ? new Types.ObjectId(data.freedAgentId) : undefined;
    const cause = data.actor === 'automation' ? 'automation' : undefined;
    if (data.to === 'queued') await this.route(workspaceId, conversationId, { exclude: freed, cause });
    if (freed) await this.agentAvailable(workspaceId, freed, { skip: conversationId });
  }

  /**
   * An available agent with free capacity (turned available, or a slot was freed) takes the oldest
   * queued conversations of its automatic queues until its capacity is full; `skip` is one it
   * just left and must not take back.
   */
  async agentAvailable(workspaceId: Types.ObjectId, agentId: Types.ObjectId, opts: { skip?: Types.ObjectId } = {}): Promise<number> {
    const { store, assignment } = this.deps;
    if (!(await store.agents.exists({ _id: agentId, workspaceId, status: 'available' }))) return 0;
    const queues = (await this.deps.workspaceQueues.of(workspaceId)).filter((q) => q.strategy !== 'manual' && q.agentIds.some((id) => id.equals(agentId)));
    if (queues.length === 0) return 0;
    const waiting = await store.conversations
      // Not one the AI agent answers (Agent replies turned on again while it waited): people take it after a handoff.
      .find({ workspaceId, queueId: { $in: queues.map((q) => q._id) }, status: 'queued', 'aiAgent.replies': { $ne: true }, ...(opts.skip && { _id: { $ne: opts.skip } }) }, { _id: 1 })
      .sort({ createdAt: 1 })
      .limit(PULL_BATCH)
      .lean();
    let taken = 0;
    for (const c of waiting) {
      try {
        await retryTransient(() => assignment.assign(workspaceId, c._id, agentId, { actor: 'routing' }));
        taken++;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (isAgentRefusal(err)) break;
        // Someone else took this one meanwhile: on to the next.
      }
    }
    return taken;
  }

  /**
   * Of `agents`, the ones available with a free slot by their load hints, least busy first: the
   * order an automation rule's team assignment tries them in (the slot claims decide as always).
   */
  async leastBusyAvailable<A extends Pick<AgentDoc, '_id' | 'status' | 'capacity'>>(agents: A[]): Promise<A[]> {
    const available = agents.filter((a) => a.status === 'available');
    const load = await this.deps.loads.of(available.map((a) => a._id));
    const loadOf = (id: Types.ObjectId) => load.get(String(id)) ?? 0;
    const byId = new Map(available.map((a) => [String(a._id), a]));
    return leastBusyFirst([...byId.values()].map((a) => a._id), loadOf).flatMap((id) => {
      const agent = byId.get(String(id))!;
      return loadOf(id) < agent.capacity ? [agent] : [];
    });
  }

  /** The queue whose rules the conversation matches now, else the default one. */
  private async pick(c: ConversationDoc): Promise<QueueDoc> {
    const { store, clock } = this.deps;
    const fallback = await this.defaultQueue(c.workspaceId);
    const queues = (await this.deps.workspaceQueues.of(c.workspaceId)).filter((q) => !q.isDefault);
    // The contact's attributes are facts only rules read: a workspace with the default queue alone needs none.
    if (queues.length === 0) return fallback;
    const contact = await store.contacts.findById(c.contactId, { attributes: 1 }).lean();
    return pickQueue([...queues, fallback], factsOf(c, contact?.attributes ?? {}), clock.now()) ?? fallback;
  }

  /**
   * Tries the queue's candidates in the strategy's order until one takes the conversation; returns
   * it assigned, or as it is now when someone else changed it meanwhile (a concurrent router
   * assigned it), or null when it still waits. A transient store error (a deadlock or a
   * serialization failure) is retried: the claims make a repeated assignment safe.
   */
  private async offer(queue: QueueDoc, conversation: ConversationDoc, actor: LifecycleActor, exclude?: Types.ObjectId): Promise<ConversationDoc | null> {
    const { store, assignment } = this.deps;
    for await (const { agent, load } of this.candidates(queue, exclude)) {
      const agentId = agent._id;
      let assigned: ConversationDoc;
      try {
        // The conversation and agent as read here: assign does not read them again.
        assigned = await retryTransient(() => assignment.assign(queue.workspaceId, conversation._id, agentId, { actor, agent, conversation, heldHint: load }));
      } catch (err) {
        if (isAgentRefusal(err)) continue;
        if (!(err instanceof AppError)) throw err;
        // Taken or changed by someone else: it no longer needs routing, and the caller gets it as it
        // is. The slot this attempt held meanwhile may have turned other routers away from the
        // agent; given back now, it is capacity nobody is routing to: the agent pulls waiting work.
        await this.agentAvailable(queue.workspaceId, agentId);
        return store.conversations.findById(conversation._id).lean();
      }
      if (queue.strategy === 'round_robin') await this.deps.cursors.moveTo(queue._id, agentId);
      return assigned;
    }
    return null;
  }

  /**
   * Members that are available with a free slot, in the order to try them (candidate-order.ts).
   * Loads are the Redis hints (LoadHints), not a count of agent_slots per offer. The first few
   * members in that order are read one by one (a read by id is cheap; in a large queue one of
   * them nearly always takes the conversation), the rest, if needed, in one query (`$in` reads
   * the whole collection on FerretDB).
   */
  private async *candidates(queue: QueueDoc, exclude?: Types.ObjectId): AsyncGenerator<{ agent: AgentDoc; load: number }> {
    const { store, loads, cursors } = this.deps;
    const members = queue.agentIds.filter((id) => !exclude?.equals(id));
    const [load, cursor] = await Promise.all([loads.of(members), queue.strategy === 'round_robin' ? cursors.of(queue._id) : null]);
    const loadOf = (id: Types.ObjectId) => load.get(String(id)) ?? 0;
    const ordered = inStrategyOrder(queue, members, loadOf, cursor);
    const read = (ids: Types.ObjectId[]) =>
      ids.length === 1
        ? store.agents.find({ _id: ids[0], workspaceId: queue.workspaceId, status: 'available' }).lean()
        : store.agents.find({ _id: { $in: ids }, workspaceId: queue.workspaceId, status: 'available' }).lean();
    const batches = [...ordered.slice(0, FIRST_CANDIDATES).map((id) => [id]), ordered.slice(FIRST_CANDIDATES)];
    for (const batch of batches) {
      if (batch.length === 0) continue;
      const available = new Map((await read(batch)).map((a) => [String(a._id), a]));
      for (const id of batch) {
        const agent = available.get(String(id));
        if (agent && loadOf(id) < agent.capacity) yield { agent, load: loadOf(id) };
      }
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
