import type { Types } from 'mongoose';
import { PerWorkspace, type SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { QueueDoc } from '../store/models/queue.js';

/**
 * A workspace's routing queues (rules, members, strategy, overflow), which routing reads for
 * every new conversation; every change of a queue or its members says `changed`, which reaches
 * every process. The round-robin cursor, which moves with each assignment, is not part of it
 * (RoundRobinCursors).
 */
export type WorkspaceQueues = PerWorkspace<QueueDoc[]>;

export function createWorkspaceQueues(store: Store, cache: SharedCache): WorkspaceQueues {
  return new PerWorkspace(cache, 'routing-queues', (workspaceId: Types.ObjectId) => store.routingQueues.find({ workspaceId }).sort({ _id: 1 }).lean());
}
