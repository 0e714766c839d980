import type { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { LifecycleActor } from '../conversations/lifecycle-service.js';
import { AppError, conflict, notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Logger } from '../logger.js';
import { conversationToApi, transferToApi } from '../representation/public-records.js';
import type { Store } from '../store/index.js';
import type { AgentDoc } from '../store/models/agent.js';
import type { ConversationDoc, ConversationTransfer } from '../store/models/conversation.js';
import type { AssignmentService } from './assignment-service.js';
import type { ConversationRouter } from './conversation-router.js';
import { isStale, overflowTarget, type OverflowJobData } from './overflow.js';

type Id = Types.ObjectId | string;

export interface TransferTarget {
  agentId?: string;
  queueId?: string;
  note?: string;
}

/**
 * Moves conversations away from where they are: to another agent or queue (asked for, by an
 * automation rule, or by a due overflow timer), or off their agent back into their queue. Whatever
 * is left queued is routed again, never back to the agent it left.
 */
export class ConversationTransfers {
  constructor(
    private readonly deps: {
      store: Store;
      assignment: AssignmentService;
      router: Pick<ConversationRouter, 'route'>;
      outbox: Outbox;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /**
   * Moves a queued or active conversation to an agent or to a queue, keeping the note on the
   * conversation's `transfers` and in a `conversation.transferred` event. To an agent, the agent
   * is checked first so a refusal leaves the conversation where it was; if the assignment still
   * loses a race, the conversation is routed in its queue and the refusal is returned.
   */
  async transfer(workspaceId: Types.ObjectId, conversationId: Id, target: TransferTarget, opts: { actor: LifecycleActor }): Promise<ConversationDoc> {
    const { store, assignment, router, outbox, clock } = this.deps;
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
        await router.route(workspaceId, current._id, { exclude: fromAgentId, cause: opts.actor });
        throw err;
      }
    } else if (target.queueId !== undefined) {
      const queue = await store.routingQueues.findOne({ _id: target.queueId, workspaceId }).lean();
      if (!queue) throw notFound('Queue');
      record.toQueueId = queue._id;
      // Moved and recorded in one write before routing: the wait in the new queue (and its overflow timer) counts from here.
      await store.conversations.updateOne({ _id: current._id }, { $set: { queueId: queue._id }, $push: { transfers: record } });
      if (current.status === 'active') await assignment.unassign(workspaceId, current._id, opts);
      await router.route(workspaceId, current._id, { exclude: fromAgentId, cause: opts.actor });
    }

    const updated =
      target.queueId !== undefined
        ? await store.conversations.findById(current._id).lean()
        : await store.conversations.findOneAndUpdate({ _id: current._id }, { $push: { transfers: record } }, { returnDocument: 'after' }).lean();
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

  /** Back to queued, then routed again to someone other than the agent it left. */
  async unassign(workspaceId: Types.ObjectId, conversationId: Id, opts: { actor: LifecycleActor }): Promise<ConversationDoc> {
    const { store, assignment, router } = this.deps;
    // Read first: unassigning clears assigneeId.
    const before = await store.conversations.findOne({ _id: conversationId, workspaceId }, { assigneeId: 1 }).lean();
    const left = await assignment.unassign(workspaceId, conversationId, opts);
    return (await router.route(workspaceId, left._id, { exclude: before?.assigneeId, cause: opts.actor })) ?? left;
  }

  /**
   * A due overflow timer (overflow.ts): a conversation still waiting where the timer found it moves
   * to its queue's overflow queue, as a transfer noted "overflow after N s", and is routed there
   * (where that queue's own overflow applies). It stays when the overflow queue is gone or was
   * already part of this wait (a cycle).
   */
  async overflow(data: OverflowJobData): Promise<void> {
    const { store, logger } = this.deps;
    const c = await store.conversations.findOne({ _id: data.conversationId, workspaceId: data.workspaceId }).lean();
    if (!c || isStale(c, data)) return;
    const queue = await store.routingQueues.findOne({ _id: c.queueId, workspaceId: c.workspaceId }).lean();
    const target = queue && overflowTarget(c, queue);
    const log = { conversationId: data.conversationId, queueId: data.queueId };
    if (!queue?.maxWaitSeconds || !target) {
      if (queue?.overflowQueueId) logger.info({ ...log, overflowQueueId: String(queue.overflowQueueId) }, 'overflow stops: the conversation was in that queue during this wait');
      return;
    }
    try {
      await this.transfer(c.workspaceId, c._id, { queueId: String(target), note: `overflow after ${queue.maxWaitSeconds} s` }, { actor: 'timer' });
    } catch (err) {
      // The overflow queue was deleted, or the conversation changed meanwhile: it stays where it is.
      if (!(err instanceof AppError)) throw err;
      logger.info({ ...log, err }, 'overflow not applied');
    }
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
