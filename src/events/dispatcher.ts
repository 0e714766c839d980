import type { Store } from '../store/index.js';
import type { Queues } from '../jobs/queues.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';

/** Retries for our own failures (store or queue briefly away), not for the receiver's answers. */
export const INFRA_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 1000 } } as const;

export interface DeliverJobData {
  deliveryId: string;
}

/**
 * Fans one domain event out to the workspace's matching subscriptions: one delivery record
 * per (event, subscription), created idempotently, each with its own delivery job.
 */
export async function dispatchEvent(store: Store, queues: Queues, eventId: string): Promise<DomainEventDoc | null> {
  const event = await store.events.findById(eventId).lean();
  if (!event || event.state === 'dispatched') return event;
  const subscriptions = await store.webhookSubscriptions.find({ workspaceId: event.workspaceId, enabled: true }).lean();
  for (const sub of subscriptions.filter((s) => s.events.includes('*') || s.events.includes(event.type))) {
    const deliveryId = `${eventId}--${String(sub._id)}`;
    await store.webhookDeliveries.updateOne(
      { _id: deliveryId },
      { $setOnInsert: { workspaceId: event.workspaceId, subscriptionId: sub._id, eventId, state: 'pending', attempts: [] } },
      { upsert: true },
    );
    await enqueueDelivery(queues, deliveryId, 0, 0);
  }
  await store.events.updateOne({ _id: eventId }, { $set: { state: 'dispatched' } });
  return event;
}

export async function enqueueDelivery(queues: Queues, deliveryId: string, attempt: number, delayMs: number): Promise<void> {
  const data: DeliverJobData = { deliveryId };
  await queues.webhooks.add('deliver', data, { ...INFRA_RETRY, jobId: `deliver-${deliveryId}-${attempt}`, delay: delayMs });
}
