import type { Redis } from 'ioredis';
import type { Store } from '../store/index.js';
import type { Queues } from '../jobs/queues.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import type { ActiveSubscriptions } from './active-subscriptions.js';

/** Retries for our own failures (store or queue briefly away), not for the receiver's answers. */
export const INFRA_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 1000 } } as const;

export interface DeliverJobData {
  deliveryId: string;
  /** The attempt number the job was added for: a job left over from an earlier attempt does nothing. */
  attempt?: number;
}

export interface DispatchDeps {
  store: Store;
  queues: Queues;
  redis: Redis;
  keyPrefix: string;
}

export interface FanOutDeps extends DispatchDeps {
  subscriptions: ActiveSubscriptions;
}

/**
 * Fans one domain event out to the workspace's matching subscriptions: one delivery record
 * per (event, subscription), created idempotently, each with its own delivery job.
 */
export async function dispatchEvent(deps: FanOutDeps, eventId: string): Promise<DomainEventDoc | null> {
  const { store } = deps;
  const event = await store.events.findById(eventId).lean();
  if (!event || event.state === 'dispatched') return event;
  const subscriptions = await deps.subscriptions.of(event.workspaceId);
  for (const sub of recipientsOf(event, subscriptions)) await createDelivery(deps, event, sub);
  await store.events.updateOne({ _id: eventId }, { $set: { state: 'dispatched' } });
  return event;
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

/**
 * Creates the delivery of `event` to `sub` (once: the id is deterministic) and queues its first
 * attempt. `replayId` makes a separate delivery of an event already delivered (a range replay).
 */
export async function createDelivery(
  deps: DispatchDeps,
  event: Pick<DomainEventDoc, '_id' | 'workspaceId' | 'type' | 'conversationId' | 'occurredAt'>,
  sub: Pick<WebhookSubscriptionDoc, '_id'>,
  replayId?: string,
): Promise<string> {
  const deliveryId = [event._id, String(sub._id), ...(replayId ? [replayId] : [])].join('--');
  // A re-run takes a new sequence number, but $setOnInsert keeps the first one.
  const sequence = await deps.redis.incr(`${deps.keyPrefix}:webhook-delivery-seq`);
  const orderKey = `${String(event.occurredAt.getTime()).padStart(13, '0')}-${String(sequence).padStart(12, '0')}`;
  await deps.store.webhookDeliveries.updateOne(
    { _id: deliveryId },
    {
      $setOnInsert: {
        workspaceId: event.workspaceId,
        subscriptionId: sub._id,
        eventId: event._id,
        eventType: event.type,
        ...(event.conversationId && { conversationId: event.conversationId }),
        orderKey,
        ...(replayId && { replayId }),
        state: 'pending',
        round: 0,
        attempts: [],
      },
    },
    { upsert: true },
  );
  await enqueueDelivery(deps.queues, deliveryId, 0, 0);
  return deliveryId;
}

/** Adds the job of a delivery's attempt `attempt` (its id is deterministic: adding it twice is harmless). */
export async function enqueueDelivery(queues: Queues, deliveryId: string, attempt: number, delayMs: number): Promise<void> {
  const data: DeliverJobData = { deliveryId, attempt };
  await queues.webhooks.add('deliver', data, { ...INFRA_RETRY, jobId: deliveryJobId(deliveryId, attempt), delay: delayMs });
}

export function deliveryJobId(deliveryId: string, attempt: number): string {
  return `deliver-${deliveryId}-${attempt}`;
}
