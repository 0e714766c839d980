import { Queue, type JobsOptions } from 'bullmq';
import type { Logger } from '../logger.js';
import { isConnectionError, type RedisClient } from '../redis/connections.js';

/** Every queue of the gateway. Job ids are deterministic so re-adding a job is harmless. */
export const QUEUE_NAMES = {
  /** Parse a recorded provider request into messages, statuses, template updates. */
  inbound: 'inbound',
  /** Hand one outbound message to its provider. */
  send: 'send',
  /** Download inbound media from the provider into our media store. */
  media: 'media',
  /** Fan a domain event out to the workspace's webhook subscriptions. */
  events: 'events',
  /** Deliver one event to one subscription. */
  webhooks: 'webhooks',
  /** Conversation lifecycle timers (snooze wake-up, auto-resolve, abandonment), delayed jobs. */
  timers: 'timers',
  /** The AI agent's answer to one customer message (a model call or a bot's webhook): never on the ingest path. */
  aiAgent: 'ai-agent',
} as const;

export type QueueName = keyof typeof QUEUE_NAMES;
export type Queues = Record<QueueName, Queue>;

/** Finished jobs are removed so Redis (noeviction) never fills up; failures are kept a week. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/**
 * The BullMQ prefix of one queue. BullMQ's scripts touch many keys of a queue at once, which a
 * Redis Cluster allows only within one slot: there each queue's keys share a hash tag of their
 * own (`{omnigate:inbound}`), so the queues spread over the cluster's masters, as BullMQ's
 * documentation advises. One Redis keeps the plain prefix, so upgrading keeps its queues.
 */
export function queuePrefix(connection: RedisClient, prefix: string, name: string): string {
  return connection.isCluster ? `{${prefix}:${name}}` : prefix;
}

export function createQueues(connection: RedisClient, prefix: string, logger: Logger): Queues {
  const make = (name: string) => {
    const queue = new Queue(name, { connection, prefix: queuePrefix(connection, prefix, name), defaultJobOptions: DEFAULT_JOB_OPTIONS });
    // A lost connection is logged once by its owner (src/redis/connections.ts), not per queue and attempt.
    queue.on('error', (err) => {
      if (!isConnectionError(err)) logger.error({ queue: name, err }, 'queue error');
    });
    return queue;
  };
  return {
    inbound: make(QUEUE_NAMES.inbound),
    send: make(QUEUE_NAMES.send),
    media: make(QUEUE_NAMES.media),
    events: make(QUEUE_NAMES.events),
    webhooks: make(QUEUE_NAMES.webhooks),
    timers: make(QUEUE_NAMES.timers),
    aiAgent: make(QUEUE_NAMES.aiAgent),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/**
 * Queues work whose record the store already holds. While Redis is unreachable the add is left to
 * the recovery sweep (src/app/recovery.ts), which queues such records within a minute of Redis
 * being back, so the caller's change stands and is answered as done; other failures are thrown.
 */
export async function addOrLeaveToSweep(add: () => Promise<unknown>): Promise<void> {
  try {
    await add();
  } catch (err) {
    if (!isConnectionError(err)) throw err;
  }
}

/**
 * Work the store says is undone may still have a finished job: one that ran out of attempts (say
 * while the store was away), or one that completed without doing it (a job stalled by a crash and
 * run again mid-way). BullMQ keeps finished jobs and ignores an add under a taken id, so such a
 * job is run again, attempts counted afresh; true when it was. The recovery sweep asks before
 * each re-add; every job it covers finds its work done and does nothing when run once more.
 */
export async function rerunFinishedJob(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return false;
  const state = await job.getState();
  if (state !== 'failed' && state !== 'completed') return false;
  await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
  return true;
}
