import type { Types } from 'mongoose';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { QueueDoc } from '../store/models/queue.js';

/**
 * Queue overflow, the pure part: a conversation queued in a queue with `maxWaitSeconds` and
 * `overflowQueueId` for longer than that moves to the overflow queue. The timer is a delayed job
 * on the `timers` queue (set by OverflowTimers, run by ConversationTransfers.overflow) whose
 * data pins what it was set for: the queue, the lifecycle version and the number of transfers.
 * Any change of those (assigned, moved, ended, queued again) makes the job stale, and a stale
 * job does nothing.
 */
export const OVERFLOW_TIMER = 'queue-overflow';

export interface OverflowJobData {
  kind: typeof OVERFLOW_TIMER;
  conversationId: string;
  workspaceId: string;
  queueId: string;
  version: number;
  transfers: number;
}

type Waiting = Pick<ConversationDoc, '_id' | 'workspaceId' | 'status' | 'queueId' | 'lifecycleVersion' | 'transfers' | 'statusChangedAt' | 'createdAt'>;

/** Deterministic and without ':' (BullMQ): re-adding the timer of an unchanged conversation adds nothing. */
export const overflowJobId = (d: OverflowJobData) => `timer-${d.conversationId}-${OVERFLOW_TIMER}-${d.version}-${d.transfers}`;

/** When the wait in its current queue began: the later of becoming queued and its last transfer. */
export function waitingSince(c: Waiting): Date {
  const times = [c.statusChangedAt, c.createdAt, c.transfers?.at(-1)?.at].map((t) => t?.getTime() ?? 0);
  return new Date(Math.max(...times));
}

/** The overflow timer of a conversation waiting in `queue`, or null when nothing overflows from there. */
export function overflowTimer(c: Waiting, queue: Pick<QueueDoc, '_id' | 'maxWaitSeconds' | 'overflowQueueId'>): { data: OverflowJobData; at: Date } | null {
  if (c.status !== 'queued' || !c.queueId?.equals(queue._id) || !queue.maxWaitSeconds || !queue.overflowQueueId) return null;
  return {
    data: {
      kind: OVERFLOW_TIMER,
      conversationId: String(c._id),
      workspaceId: String(c.workspaceId),
      queueId: String(queue._id),
      version: c.lifecycleVersion,
      transfers: c.transfers?.length ?? 0,
    },
    at: new Date(waitingSince(c).getTime() + queue.maxWaitSeconds * 1000),
  };
}

/** True when the conversation is no longer waiting where and as the timer found it. */
export function isStale(c: Waiting | null, data: OverflowJobData): boolean {
  return (
    c?.status !== 'queued' || String(c.queueId) !== data.queueId || c.lifecycleVersion !== data.version || (c.transfers?.length ?? 0) !== data.transfers
  );
}

/**
 * The queue to move to, or null. Never one the conversation waits in or was moved into since it
 * became queued, so a cycle of overflow queues is followed at most once round and then it stays.
 */
export function overflowTarget(c: Waiting, queue: Pick<QueueDoc, 'overflowQueueId'>): Types.ObjectId | null {
  const target = queue.overflowQueueId;
  if (!target) return null;
  const since = c.statusChangedAt?.getTime() ?? 0;
  const visited = [c.queueId, ...(c.transfers ?? []).filter((t) => t.at.getTime() >= since).map((t) => t.toQueueId)];
  return visited.some((id) => id?.equals(target)) ? null : target;
}
