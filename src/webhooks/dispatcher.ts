import type { RedisClient } from '../redis/connections.js';
import { Types } from 'mongoose';
import { redisKeys } from '../redis/keys.js';
import type { Store } from '../store/index.js';
import type { Queues } from '../jobs/queues.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import type { ActiveSubscriptions } from './active-subscriptions.js';

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
 * between the mark and them.
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
  await createDeliveries(deps, deliveries);
  await store.events.bulkWrite(pending.map((e) => ({ updateOne: { filter: { _id: e._id }, update: { $set: { state: 'dispatched' } } } })), { ordered: false });
  return events;
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
  await deps.store.webhookDeliveries.bulkWrite(
    records.map(({ _id, ...fields }) => ({
      updateOne: { filter: { _id }, update: { $setOnInsert: { ...fields, state: 'pending', round: 0, attempts: [] } }, upsert: true },
    })),
    { ordered: false },
  );
  await deps.queues.webhooks.addBulk(
    records.map((record, i) => {
      const { event } = deliveries[i]!;
      const known: KnownDelivery = {
        workspaceId: String(record.workspaceId),
        subscriptionId: String(record.subscriptionId),
        ...(record.conversationId && { conversationId: String(record.conversationId) }),
        orderKey: record.orderKey,
        event: { type: event.type, occurredAt: event.occurredAt.toISOString(), data: event.data },
      };
      return deliveryJob(record._id, 0, 0, known);
    }),
  );
  return records.map((r) => r._id);
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
