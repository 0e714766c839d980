import type { Types } from 'mongoose';
import type { AppContext } from './context.js';
import type { ConversationStatus } from '../domain/conversation.js';
import { deliveryJobId, enqueueDelivery } from '../webhooks/dispatcher.js';
import { dispatchJobId } from '../events/outbox.js';
import { rerunFinishedJob } from '../jobs/queues.js';
import { sendJobId } from '../outbound/send-service.js';
import { INBOUND_JOB_OPTIONS } from '../ingest/raw-event-recorder.js';
import { RECONCILE_EVERY_MS, RECONCILE_TIMER } from '../routing/assignment-service.js';
import type { QueueDoc } from '../store/models/queue.js';
import { RETENTION_EVERY_MS, RETENTION_SWEEP } from '../retention/retention-sweep.js';
import { ENDPOINT_PROBE } from '../webhooks/endpoint-probe.js';

const STALE_MS = 60_000;

/** Statuses that have timers (src/domain/lifecycle.ts timerFor). */
const TIMED: readonly ConversationStatus[] = ['snoozed', 'queued', 'active', 'pending'];

/** The repeatable job on the `timers` queue that re-queues stale work while the workers run. */
export const RECOVERY_SWEEP = 'recovery-sweep';
const SWEEP_EVERY_MS = 60_000;

export interface StaleWork {
  rawEvents: number;
  messages: number;
  events: number;
  deliveries: number;
  /** Conversations whose timer a change made while Redis was away could not schedule. */
  owedTimers: number;
}

/**
 * Re-queues work recorded in the store more than a minute ago whose job may have been lost (a
 * crash between the write and the queue add, Redis data lost, or a job that ran out of retries
 * while the store or Redis was away): raw events, queued messages, undispatched events and
 * pending webhook deliveries; and the lifecycle timers of changes made while Redis was away. Job ids are
 * deterministic, so work still queued is not doubled, and a job that failed for good, or
 * completed with its work still undone, is run again (rerunFinishedJob), since a re-add under its
 * id would be ignored.
 * Runs when workers start and then every minute (RECOVERY_SWEEP), so nothing acknowledged waits
 * for a restart.
 */
export async function requeueStaleWork(ctx: AppContext): Promise<StaleWork> {
  const before = new Date(ctx.clock.now().getTime() - STALE_MS);
  const rawEvents = await ctx.store.rawEvents.find({ state: 'received', receivedAt: { $lt: before } }, { _id: 1 }).lean();
  const { queues } = ctx;
  for (const r of rawEvents) {
    if (!(await rerunFinishedJob(queues.inbound, r._id))) await queues.inbound.add('raw', { rawEventId: r._id }, { ...INBOUND_JOB_OPTIONS, jobId: r._id });
  }
  const messages = await ctx.store.messages.find({ status: 'queued', updatedAt: { $lt: before } }, { _id: 1, sendRound: 1 }).lean();
  for (const m of messages) {
    if (!(await rerunFinishedJob(queues.send, sendJobId(m._id, m.sendRound)))) await ctx.sender.enqueue(m._id, m.sendRound);
  }
  const events = await ctx.store.events.find({ state: 'pending', occurredAt: { $lt: before } }, { _id: 1 }).lean();
  const unscheduled = [];
  for (const e of events) if (!(await rerunFinishedJob(queues.events, dispatchJobId(e._id)))) unscheduled.push({ eventIds: [e._id] });
  await ctx.outbox.schedule(unscheduled);
  // A delivery's next attempt has a deterministic job id: one still waiting is not doubled.
  const deliveries = await ctx.store.webhookDeliveries.find({ state: 'pending', updatedAt: { $lt: before } }, { _id: 1, attempts: 1 }).lean();
  for (const d of deliveries) {
    const attempt = d.attempts?.length ?? 0;
    if (!(await rerunFinishedJob(queues.webhooks, deliveryJobId(d._id, attempt)))) await enqueueDelivery(queues, d._id, attempt, 0);
  }
  const owedTimers = await ctx.conversationTimers.scheduleOwed();
  const counts = { rawEvents: rawEvents.length, messages: messages.length, events: events.length, deliveries: deliveries.length, owedTimers };
  if (Object.values(counts).some((n) => n > 0)) ctx.logger.info(counts, 'stale work re-queued');
  return counts;
}

/**
 * What workers do when they start: re-queue stale work (requeueStaleWork) and schedule its sweep
 * every minute; free agent slots no conversation holds (a crash inside an assignment or its
 * release) and schedule that every minute too; schedule the probe of failing webhook endpoints
 * (every WEBHOOK_PROBE_SECONDS); and schedule the timers of every conversation in a
 * timed status again (a crash between a status change and its timer add, or Redis data lost),
 * queue overflow timers included: a timer still waiting has the same job id and is not doubled.
 */
export async function recoverPendingWork(ctx: AppContext): Promise<StaleWork & { slots: number; timers: number }> {
  const stale = await requeueStaleWork(ctx);
  const slots = await ctx.assignment.reconcileSlots();
  // And every minute after, in whichever worker takes the job: one scheduler, whoever upserts it.
  await ctx.queues.timers.upsertJobScheduler(RECONCILE_TIMER, { every: RECONCILE_EVERY_MS }, { name: RECONCILE_TIMER, data: { kind: RECONCILE_TIMER } });
  await ctx.queues.timers.upsertJobScheduler(RECOVERY_SWEEP, { every: SWEEP_EVERY_MS }, { name: RECOVERY_SWEEP, data: { kind: RECOVERY_SWEEP } });
  await ctx.queues.timers.upsertJobScheduler(RETENTION_SWEEP, { every: RETENTION_EVERY_MS }, { name: RETENTION_SWEEP, data: { kind: RETENTION_SWEEP } });
  const probeEvery = ctx.config.WEBHOOK_PROBE_SECONDS * 1000;
  await ctx.queues.timers.upsertJobScheduler(ENDPOINT_PROBE, { every: probeEvery }, { name: ENDPOINT_PROBE, data: { kind: ENDPOINT_PROBE } });
  // Every timed conversation, not only stale ones: a timer is lost with Redis whatever its age.
  let timers = 0;
  // Queue overflow timers too; each queue is read once.
  const routingQueues = new Map<string, QueueDoc | null>();
  const queueOf = async (id: Types.ObjectId) => {
    if (!routingQueues.has(String(id))) routingQueues.set(String(id), await ctx.store.routingQueues.findById(id).lean());
    return routingQueues.get(String(id)) ?? null;
  };
  for await (const c of ctx.store.conversations.find({ status: { $in: TIMED } }).lean().cursor()) {
    await ctx.conversationTimers.schedule(c);
    if (c.status === 'queued' && c.queueId) await ctx.overflowTimers.schedule(c, await queueOf(c.queueId));
    timers++;
  }
  if (slots > 0 || timers > 0) ctx.logger.info({ slots, timers }, 'recovered slots and timers');
  return { ...stale, slots, timers };
}
