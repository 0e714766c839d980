import type { RedisClient } from '../redis/connections.js';
import { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import { redisKeys } from '../redis/keys.js';
import type { Store } from '../store/index.js';
import type { Queues } from '../jobs/queues.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import type { ActiveSubscriptions } from './active-subscriptions.js';
import { isOnlyDuplicateKeys } from '../errors.js';

/** Retries for our own failures (store or queue briefly away), not for the receiver's answers. */
export const INFRA_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 1000 } } as const;

/** What a delivery's job carries so that its attempt reads nothing else (absent in a job re-made from the store). */
export interface KnownDelivery {
  workspaceId: string;
  subscriptionId: string;
  conversationId?: string;
  orderKey: string;
  event: { type: string; occurredAt: string; data: Record<string, unknown> };
}

export interface DeliverJobData {
  deliveryId: string;
  /** The attempt number the job was added for: a job left over from an earlier attempt does nothing. */
  attempt?: number;
  known?: KnownDelivery;
  /** Run early to probe a failing endpoint (src/webhooks/endpoint-probe.ts): a failure keeps the attempt's due time. */
  probe?: boolean;
}

/** The events of one change, fanned out and reacted to together and in order. */
export interface DispatchJobData {
  eventIds: string[];
  /**
   * The events themselves, when whoever wrote them queued the job: it reads nothing then. A job
   * re-made from the store (recovery) reads them by id.
   */
  events?: CarriedDomainEvent[];
}

/** A domain event as a job carries it: ids and times as strings. */
export interface CarriedDomainEvent {
  _id: string;
  workspaceId: string;
  type: string;
  conversationId?: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

export function carriedEvent(event: DomainEventDoc): CarriedDomainEvent {
  return {
    _id: event._id,
    workspaceId: String(event.workspaceId),
    type: event.type,
    ...(event.conversationId && { conversationId: String(event.conversationId) }),
    data: event.data,
    occurredAt: event.occurredAt.toISOString(),
  };
}

function revivedEvent(event: CarriedDomainEvent): DomainEventDoc {
  const { conversationId, ...rest } = event;
  return {
    ...rest,
    workspaceId: new Types.ObjectId(event.workspaceId),
    ...(conversationId && { conversationId: new Types.ObjectId(conversationId) }),
    occurredAt: new Date(event.occurredAt),
    state: 'pending',
  };
}

export interface DispatchDeps {
  store: Store;
  clock: Clock;
  queues: Queues;
  redis: RedisClient;
  keyPrefix: string;
}

export interface FanOutDeps extends DispatchDeps {
  subscriptions: ActiveSubscriptions;
}

/**
 * Fans the events of one job out to their workspaces' matching subscriptions: one delivery
 * record per (event, subscription), created idempotently, each with its own delivery job; one
 * write for the deliveries and one to mark the events. Each event is read by id (FerretDB reads
 * a whole collection for an `$in`), and only when the job does not carry it. Returns every
 * event, dispatched before or not: reactions run again on a re-run, since a crash may have come
 * between the mark and them; but not the events of a conversation deleted meanwhile.
 *
 * Deletion: the events are marked before any delivery job is queued; an event gone by then
 * belongs to a conversation deleted meanwhile, whose deliveries this job removes again and never
 * queues (src/conversations/conversation-deleter.ts deletes events before deliveries).
 */
export async function dispatchEvents(deps: FanOutDeps, job: DispatchJobData): Promise<DomainEventDoc[]> {
  const { store } = deps;
  const events: DomainEventDoc[] = job.events
    ? job.events.map(revivedEvent)
    : (await Promise.all(job.eventIds.map((id) => store.events.findById(id).lean<DomainEventDoc>()))).filter((e) => e !== null);
  const pending = events.filter((e) => e.state !== 'dispatched');
  if (pending.length === 0) return events;
  const deliveries: Array<{ event: DomainEventDoc; sub: WebhookSubscriptionDoc }> = [];
  for (const event of pending) {
    for (const sub of recipientsOf(event, await deps.subscriptions.of(event.workspaceId))) deliveries.push({ event, sub });
  }
  const written = await writeDeliveries(deps, deliveries);
  const marked = await store.events.bulkWrite(pending.map((e) => ({ updateOne: { filter: { _id: e._id }, update: { $set: { state: 'dispatched' } } } })), { ordered: false });
  const deleted = marked.matchedCount < pending.length ? await deletedConversations(store, pending) : new Set<string>();
  const inDeleted = (conversationId: unknown) => conversationId !== undefined && deleted.has(String(conversationId));
  const dropped = written.filter((d) => inDeleted(d.known.conversationId));
  if (dropped.length > 0) await store.webhookDeliveries.bulkWrite(dropped.map((d) => ({ deleteOne: { filter: { _id: d.deliveryId } } })), { ordered: false });
  await queueDeliveries(deps.queues, written.filter((d) => !inDeleted(d.known.conversationId)));
  return events.filter((e) => !inDeleted(e.conversationId));
}

/** The conversations whose events are gone (deleted since the job was queued): read one by one, only when the mark missed some. */
async function deletedConversations(store: Store, events: DomainEventDoc[]): Promise<Set<string>> {
  const found = await Promise.all(events.map((e) => store.events.exists({ _id: e._id })));
  return new Set(events.filter((e, i) => !found[i] && e.conversationId).map((e) => String(e.conversationId)));
}

/**
 * The subscriptions an event goes to: those whose filter takes it, except that an escalation
 * aimed at one helpdesk goes to that one alone (filter or not), and a subscription's own
 * disabling is not sent to it.
 */
export function recipientsOf<S extends Pick<WebhookSubscriptionDoc, '_id' | 'events'>>(event: Pick<DomainEventDoc, 'type' | 'data'>, subscriptions: S[]): S[] {
  const target = event.type === 'conversation.escalated' ? event.data.subscriptionId : undefined;
  if (typeof target === 'string') return subscriptions.filter((s) => String(s._id) === target);
  const disabled = event.type === 'webhook_subscription.disabled' ? (event.data.subscription as { id?: string } | undefined)?.id : undefined;
  return subscriptions.filter((s) => String(s._id) !== disabled && (s.events.includes('*') || s.events.includes(event.type)));
}

type DeliveryEvent = Pick<DomainEventDoc, '_id' | 'workspaceId' | 'type' | 'conversationId' | 'occurredAt' | 'data'>;

/**
 * Creates the delivery of each `event` to its `sub` (once: the id is deterministic) and queues
 * its first attempt, carrying what the attempt needs: one sequence, one store write and one queue
 * round trip for all. `replayId` makes separate deliveries of events already delivered (a range replay).
 */
export async function createDeliveries(
  deps: DispatchDeps,
  deliveries: Array<{ event: DeliveryEvent; sub: Pick<WebhookSubscriptionDoc, '_id'> }>,
  replayId?: string,
): Promise<string[]> {
  const written = await writeDeliveries(deps, deliveries, replayId);
  await queueDeliveries(deps.queues, written);
  return written.map((d) => d.deliveryId);
}

/** A delivery record written, with what its first attempt's job carries. */
interface WrittenDelivery {
  deliveryId: string;
  known: KnownDelivery;
}

/** The delivery records, in one upsert; their jobs are queued apart (queueDeliveries). */
async function writeDeliveries(
  deps: DispatchDeps,
  deliveries: Array<{ event: DeliveryEvent; sub: Pick<WebhookSubscriptionDoc, '_id'> }>,
  replayId?: string,
): Promise<WrittenDelivery[]> {
  if (deliveries.length === 0) return [];
  // A re-run takes new sequence numbers, but $setOnInsert keeps the first ones.
  const last = await deps.redis.incrby(redisKeys(deps.keyPrefix).webhookDeliverySeq, deliveries.length);
  const records = deliveries.map(({ event, sub }, i) => ({
    _id: [event._id, String(sub._id), ...(replayId ? [replayId] : [])].join('--'),
    workspaceId: event.workspaceId,
    subscriptionId: sub._id,
    eventId: event._id,
    eventType: event.type,
    ...(event.conversationId && { conversationId: event.conversationId }),
    orderKey: `${String(event.occurredAt.getTime()).padStart(13, '0')}-${String(last - deliveries.length + 1 + i).padStart(12, '0')}`,
    ...(replayId && { replayId }),
  }));
  const now = deps.clock.now();
  // Insert only, timestamps included: a write of a delivery that exists (its fan-out run again)
  // must change nothing, since FerretDB rewrites a whole document from its own read and would
  // undo an attempt recorded meanwhile (mongoose's own timestamps would `$set` updatedAt).
  const upsert = () =>
    deps.store.webhookDeliveries.bulkWrite(
      records.map(({ _id, ...fields }) => ({
        updateOne: {
          filter: { _id },
          update: { $setOnInsert: { ...fields, state: 'pending', round: 0, attempts: [], createdAt: now, updatedAt: now } },
          upsert: true,
          timestamps: false,
        },
      })),
      { ordered: false },
    );
  try {
    await upsert();
  } catch (err) {
    // Two runs of one fan-out wrote the same delivery at once (a job thought stalled, run again).
    // The loser's other upserts may not have been applied (FerretDB gives up the rest of the
    // bulk), so it writes them all again: the ones there now are left as they are.
    if (!isOnlyDuplicateKeys(err)) throw err;
    await upsert();
  }
  return records.map((record, i) => {
    const { event } = deliveries[i]!;
    return {
      deliveryId: record._id,
      known: {
        workspaceId: String(record.workspaceId),
        subscriptionId: String(record.subscriptionId),
        ...(record.conversationId && { conversationId: String(record.conversationId) }),
        orderKey: record.orderKey,
        event: { type: event.type, occurredAt: event.occurredAt.toISOString(), data: event.data },
      },
    };
  });
}

/** The first attempt of each delivery, in one queue round trip. */
async function queueDeliveries(queues: Queues, written: WrittenDelivery[]): Promise<void> {
  if (written.length === 0) return;
  await queues.webhooks.addBulk(written.map((d) => deliveryJob(d.deliveryId, 0, 0, d.known)));
}

/** Adds the job of a delivery's attempt `attempt` (its id is deterministic: adding it twice is harmless). */
export async function enqueueDelivery(queues: Queues, deliveryId: string, attempt: number, delayMs: number, known?: KnownDelivery): Promise<void> {
  const { name, data, opts } = deliveryJob(deliveryId, attempt, delayMs, known);
  await queues.webhooks.add(name, data, opts);
}

function deliveryJob(deliveryId: string, attempt: number, delayMs: number, known: KnownDelivery | undefined) {
  const data: DeliverJobData = { deliveryId, attempt, ...(known && { known }) };
  return { name: 'deliver', data, opts: { ...INFRA_RETRY, jobId: deliveryJobId(deliveryId, attempt), delay: delayMs } };
}

export function deliveryJobId(deliveryId: string, attempt: number): string {
  return `deliver-${deliveryId}-${attempt}`;
}
