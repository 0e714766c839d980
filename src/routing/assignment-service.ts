import type { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { LifecycleActor, LifecycleService } from '../conversations/lifecycle-service.js';
import { AppError, conflict, forbidden, notFound } from '../errors.js';
import { conversationToApi } from '../representation/public-records.js';
import type { Logger } from '../logger.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { AgentDoc } from '../store/models/agent.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { LoadHints } from './load-hints.js';
import { retryTransient } from './transient.js';

/** A slot younger than this may belong to an assignment still in flight: reconciliation leaves it. */
const SLOT_GRACE_MS = 60_000;

/** The repeatable job on the `timers` queue that runs reconcileSlots (scheduled by src/app/recovery.ts, run by src/app/timers.ts). */
export const RECONCILE_TIMER = 'reconcile-slots';
export const RECONCILE_EVERY_MS = 60_000;

type Id = Types.ObjectId | string;

/** Statuses in which an assigned conversation keeps its agent's slot. */
const HOLDING: readonly ConversationDoc['status'][] = ['active', 'pending', 'snoozed'];

/**
 * Assigns queued conversations to agents within their capacity. Two unique claims decide every
 * race, whatever the server: the agent's capacity slot (`agent_slots`, `<agentId>:<index>`) is
 * taken first, then the conversation's lifecycle version (queued → active through
 * LifecycleService, which sets `assigneeId` and `assignedSlot` in the same update). A step that
 * fails gives the slot back, so no path leaves a conversation assigned twice or an agent over
 * capacity. The lifecycle service frees the slot when the conversation goes back to queued or ends.
 */
export class AssignmentService {
  constructor(private readonly deps: { store: Store; lifecycle: LifecycleService; loads: LoadHints; clock: Clock; logger: Logger }) {}

  /**
   * `opts.agent` and `opts.conversation`: the documents as the caller (routing) has just read them,
   * used instead of reading them again; the claims below decide whatever changed since.
   * `opts.heldHint`: how many slots the agent's load hint says it holds, where the slot claim starts.
   */
  async assign(
    workspaceId: Types.ObjectId,
    conversationId: Id,
    agentId: Id,
    opts: { actor: LifecycleActor; agent?: AgentDoc; conversation?: ConversationDoc; heldHint?: number },
  ): Promise<ConversationDoc> {
    const { store, lifecycle } = this.deps;
    const agent = givenOr(opts.agent, agentId, workspaceId) ?? (await store.agents.findOne({ _id: agentId, workspaceId }).lean());
    if (!agent) throw notFound('Agent');
    if (agent.status !== 'available') throw conflict('agent_unavailable', `The agent is ${agent.status}`, { agentId: String(agent._id), status: agent.status });
    const conversation = givenOr(opts.conversation, conversationId, workspaceId) ?? (await store.conversations.findOne({ _id: conversationId, workspaceId }).lean());
    if (!conversation) throw notFound('Conversation');
    // Checked again by the lifecycle claim; this only spares a slot claim that cannot succeed.
    if (conversation.status !== 'queued') throw refusal(conversation);

    const slotId = await this.takeSlot(agent, conversation._id, opts.heldHint ?? 0);
    let assigned: ConversationDoc;
    try {
      // The status was read before the claim: an agent that went busy or offline meanwhile gets nothing new.
      const now = await store.agents.findById(agent._id, { status: 1 }).lean();
      if (now?.status !== 'available') {
        throw conflict('agent_unavailable', `The agent is ${now?.status ?? 'gone'}`, { agentId: String(agent._id), status: now?.status ?? null });
      }
      assigned = await lifecycle.changeStatus(workspaceId, conversation._id, 'active', {
        actor: opts.actor,
        from: 'queued',
        assignment: { assigneeId: agent._id, slotId },
        current: conversation,
        alsoEmit: (updated) => [
          {
            type: 'conversation.assigned',
            workspaceId,
            // The version the assignment produced is unique to it: one event however often it is emitted.
            key: `${String(updated._id)}-${updated.lifecycleVersion}`,
            conversationId: updated._id,
            data: { conversation: conversationToApi(updated), agentId: String(agent._id), actor: opts.actor },
          },
        ],
      });
    } catch (err) {
      const latest = await store.conversations.findById(conversation._id).lean();
      // The assignment was stored and only what follows it (event, timers) failed: the slot is in use.
      if (latest?.assignedSlot === slotId) throw err;
      await this.giveBack(agent, slotId);
      if (!(err instanceof AppError && err.code === 'invalid_transition')) throw err;
      throw latest ? refusal(latest) : err;
    }
    return assigned;
  }

  /** An agent's own key takes a queued conversation: the key must be linked to an agent (apiKeyId). */
  async accept(workspaceId: Types.ObjectId, conversationId: Id, keyId: Types.ObjectId): Promise<ConversationDoc> {
    const agent = await this.deps.store.agents.findOne({ workspaceId, apiKeyId: keyId }, { _id: 1 }).lean();
    if (!agent) throw forbidden('agent_key_required', 'This API key is not linked to an agent');
    return this.assign(workspaceId, conversationId, agent._id, { actor: 'agent' });
  }

  /** Back to queued; the lifecycle service clears the assignee and frees the slot. */
  async unassign(workspaceId: Types.ObjectId, conversationId: Id, opts: { actor: LifecycleActor }): Promise<ConversationDoc> {
    return this.deps.lifecycle.changeStatus(workspaceId, conversationId, 'queued', { actor: opts.actor, from: 'active' });
  }

  /**
   * Frees slots no conversation holds any more: left by a crash between taking the slot and the
   * status change, or between the status change and the slot's release. A slot is held while its
   * conversation names it in `assignedSlot`. Run when workers start and then every minute (a
   * repeatable job, RECONCILE_TIMER); returns how many were freed.
   */
  async reconcileSlots(workspaceId?: Types.ObjectId): Promise<number> {
    const { store, clock, logger } = this.deps;
    const before = new Date(clock.now().getTime() - SLOT_GRACE_MS);
    const slots = await store.agentSlots.find({ ...(workspaceId && { workspaceId }), at: { $lt: before } }).lean();
    let freed = 0;
    if (!workspaceId) await this.resetLoadHints();
    for (const slot of slots) {
      const c = await store.conversations.findById(slot.conversationId, { assignedSlot: 1 }).lean();
      if (c?.assignedSlot === slot._id) continue;
      // The full match: a slot freed and taken again meanwhile is a different record.
      const { deletedCount } = await store.agentSlots.deleteOne({ _id: slot._id, conversationId: slot.conversationId, at: slot.at });
      if (deletedCount > 0) await this.deps.loads.freed(slot.agentId);
      freed += deletedCount;
    }
    if (freed > 0) logger.info({ freed }, 'freed orphaned agent slots');
    return freed;
  }

  /**
   * Claims a free slot of the agent among 0..capacity-1, trying from `from` on (the held count its
   * load hint gives: with slots taken lowest first, that is usually the first free one, so a busy
   * agent is not probed from 0 up) and round to the start. When that first try finds the slot
   * held, the agent's slots are counted before probing on: a full agent (its hint behind
   * concurrent claims) costs one count, not a failed insert per slot. Slots above a lowered
   * capacity stay held until their conversations let go, so the count is checked after the claim
   * too: over capacity, the claim is given back.
   */
  private async takeSlot(agent: AgentDoc, conversationId: Types.ObjectId, from: number): Promise<string> {
    const { store, clock } = this.deps;
    const full = () => conflict('agent_at_capacity', 'The agent holds as many conversations as its capacity allows', { agentId: String(agent._id), capacity: agent.capacity });
    const held = () => store.agentSlots.countDocuments({ agentId: agent._id });
    const start = Math.min(Math.max(0, Math.floor(from)), Math.max(0, agent.capacity - 1));
    for (let tried = 0; tried < agent.capacity; tried++) {
      const slotId = `${String(agent._id)}:${(start + tried) % agent.capacity}`;
      const record = { _id: slotId, workspaceId: agent.workspaceId, agentId: agent._id, conversationId, at: clock.now() };
      if (!(await claimOnce(store.agentSlots, record))) {
        if (tried === 0 && (await held()) >= agent.capacity) throw full();
        continue;
      }
      const holding = await this.deps.loads
        .taken(agent._id)
        .then(held)
        .catch(async (err: unknown) => {
          await this.giveBack(agent, slotId);
          throw err;
        });
      if (holding <= agent.capacity) return slotId;
      await this.giveBack(agent, slotId);
      break;
    }
    throw full();
  }

  /**
   * A slot claimed for an assignment that did not happen. A conflict with a concurrent write is
   * retried here, so a failed assignment does not leave its slot held until the reconciliation.
   */
  private async giveBack(agent: AgentDoc, slotId: string): Promise<void> {
    await retryTransient(() => releaseClaim(this.deps.store.agentSlots, slotId));
    await this.deps.loads.freed(agent._id);
  }

  /** The routing load hints, rewritten from the slots held now (see LoadHints). */
  private async resetLoadHints(): Promise<void> {
    const held = await this.deps.store.agentSlots.aggregate<{ _id: Types.ObjectId; n: number }>([{ $group: { _id: '$agentId', n: { $sum: 1 } } }]);
    await this.deps.loads.reset(new Map(held.map((h) => [String(h._id), h.n])));
  }
}

/** Why a conversation that is not queued cannot be assigned. */
function refusal(c: ConversationDoc): AppError {
  if (c.assigneeId && HOLDING.includes(c.status)) {
    return conflict('already_assigned', 'The conversation is assigned already', { assigneeId: String(c.assigneeId), status: c.status });
  }
  return conflict('invalid_transition', `A ${c.status} conversation cannot be assigned`, { from: c.status, to: 'active', allowed: ['queued'] });
}

/** A document the caller passed, if it is the one asked for (same id, same workspace). */
function givenOr<T extends { _id: Types.ObjectId; workspaceId: Types.ObjectId }>(given: T | undefined, id: Id, workspaceId: Types.ObjectId): T | null {
  return given && given._id.equals(id) && given.workspaceId.equals(workspaceId) ? given : null;
}
