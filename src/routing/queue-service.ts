import type { Types } from 'mongoose';
import type { QueueRules } from '../domain/queue-matching.js';
import type { RoutingStrategy } from '../domain/queue.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import type { Store } from '../store/index.js';
import type { QueueDoc } from '../store/models/queue.js';
import type { ConversationRouter } from './conversation-router.js';
import type { WorkspaceQueues } from './workspace-queues.js';
import { ownRecord } from '../store/workspace-records.js';

/** A queue's settable fields as the API takes them: ids as strings; null removes maxWaitSeconds or overflowQueueId. */
export interface QueueInput {
  name?: string;
  priority?: number;
  rules?: QueueRules;
  strategy?: RoutingStrategy;
  agentIds?: string[];
  redistributeOnOffline?: boolean;
  maxWaitSeconds?: number | null;
  overflowQueueId?: string | null;
}

/**
 * The routing queues of a workspace as admins manage them. Every change tells the shared cache
 * (WorkspaceQueues), so routing in every process sees it.
 */
export class QueueService {
  constructor(private readonly deps: { store: Store; router: ConversationRouter; workspaceQueues: WorkspaceQueues }) {}

  /** The default queue is made by the router on first use; created ones are never the default. */
  async create(workspaceId: Types.ObjectId, input: QueueInput & { name: string }): Promise<QueueDoc> {
    await this.checkAgents(workspaceId, input.agentIds ?? []);
    if (input.overflowQueueId) await this.checkOverflow(workspaceId, input.overflowQueueId);
    const { maxWaitSeconds, overflowQueueId, agentIds, ...fields } = input;
    const queue = await this.deps.store.routingQueues.create({
      ...fields,
      ...(maxWaitSeconds && { maxWaitSeconds }),
      ...(overflowQueueId && { overflowQueueId }),
      agentIds: [...new Set(agentIds ?? [])],
      workspaceId,
      isDefault: false,
    });
    await this.deps.workspaceQueues.changed(workspaceId);
    return queue.toObject();
  }

  /** All queues, highest priority first, the default one (made now if missing) last. */
  async list(workspaceId: Types.ObjectId): Promise<QueueDoc[]> {
    const fallback = await this.deps.router.defaultQueue(workspaceId);
    const others = await this.deps.store.routingQueues.find({ workspaceId, isDefault: false }).sort({ priority: -1, _id: 1 }).lean();
    return [...others, fallback];
  }

  async get(workspaceId: Types.ObjectId, id: string): Promise<QueueDoc> {
    return ownRecord(this.deps.store.routingQueues, workspaceId, id, 'Queue');
  }

  /** Conversations already waiting keep their overflow timers. */
  async update(workspaceId: Types.ObjectId, id: string, input: QueueInput): Promise<QueueDoc> {
    if (input.agentIds) await this.checkAgents(workspaceId, input.agentIds);
    if (input.overflowQueueId) await this.checkOverflow(workspaceId, input.overflowQueueId, id);
    const fields: Record<string, unknown> = { ...input, ...(input.agentIds && { agentIds: [...new Set(input.agentIds)] }) };
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
    const unset = Object.keys(fields).filter((k) => fields[k] === null);
    const update = { $set: set, ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((k) => [k, ''])) }) };
    const queue = await this.deps.store.routingQueues.findOneAndUpdate({ _id: id, workspaceId }, update, { returnDocument: 'after', runValidators: true }).lean();
    if (!queue) throw notFound('Queue');
    await this.deps.workspaceQueues.changed(workspaceId);
    return queue;
  }

  /**
   * Removes a queue nothing depends on: not the default one, no other queue overflowing into it,
   * no conversation waiting in it. Conversations that passed through it keep its id in their
   * history; one routed into it while it is being removed finds it gone and is routed afresh the
   * next time it is routed.
   */
  async delete(workspaceId: Types.ObjectId, id: string): Promise<void> {
    const { store } = this.deps;
    const queue = await this.get(workspaceId, id);
    if (queue.isDefault) throw conflict('default_queue', 'The default queue cannot be deleted');
    const sources = await store.routingQueues.find({ workspaceId, overflowQueueId: queue._id }, { _id: 1 }).lean();
    if (sources.length > 0) {
      throw conflict('queue_in_use', 'Other queues overflow into this one: change them first', { overflowFrom: sources.map((q) => String(q._id)) });
    }
    const waiting = await store.conversations.countDocuments({ workspaceId, queueId: queue._id, status: 'queued' });
    if (waiting > 0) throw conflict('queue_not_empty', 'Conversations are waiting in this queue: transfer them first', { waiting });
    await store.routingQueues.deleteOne({ _id: queue._id });
    await this.deps.workspaceQueues.changed(workspaceId);
  }

  /** Members must be agents of the workspace: routing would otherwise try ids that never assign. */
  private async checkAgents(workspaceId: Types.ObjectId, agentIds: string[]): Promise<void> {
    const found = await this.deps.store.agents.countDocuments({ workspaceId, _id: { $in: agentIds } });
    if (found !== new Set(agentIds).size) throw unprocessable('agent_not_found', 'agentIds names an agent this workspace does not have');
  }

  /** The overflow queue must be another queue of the workspace (a cycle over several queues stops at run time). */
  private async checkOverflow(workspaceId: Types.ObjectId, overflowQueueId: string, queueId?: string): Promise<void> {
    if (overflowQueueId === queueId) throw unprocessable('overflow_to_itself', 'A queue cannot overflow into itself');
    if (!(await this.deps.store.routingQueues.exists({ _id: overflowQueueId, workspaceId }))) {
      throw unprocessable('overflow_queue_not_found', 'overflowQueueId is not a queue of this workspace');
    }
  }
}
