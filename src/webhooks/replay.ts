import type { Types } from 'mongoose';
import { conflict, notFound, unprocessable } from '../errors.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { WebhookDeliveryDoc } from '../store/models/webhook-delivery.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import { createDeliveries, recipientsOf, type DispatchDeps } from './dispatcher.js';
import type { WebhookDeliverer } from './deliverer.js';

/** A range replay re-sends at most this many events; a wider range is split by the caller. */
export const MAX_REPLAY_EVENTS = 10_000;
/** Deliveries created per store write and queue round trip. */
const REPLAY_BATCH = 500;

/**
 * Delivers again every event of [from, to) that the subscription's filter takes, as new
 * deliveries named by `replayId` (so a repeated request re-creates the same ones), oldest first
 * so each conversation's line fills in event order. Returns how many were created.
 */
export async function replayRange(deps: DispatchDeps, sub: WebhookSubscriptionDoc, range: { from: Date; to: Date }, replayId: string): Promise<number> {
  if (!sub.enabled) throw conflict('subscription_disabled', 'The subscription is disabled; enable it first');
  const filter = { workspaceId: sub.workspaceId, occurredAt: { $gte: range.from, $lt: range.to } };
  const total = await deps.store.events.countDocuments(filter);
  if (total > MAX_REPLAY_EVENTS) {
    throw unprocessable('replay_too_large', `The range holds ${total} events; replay at most ${MAX_REPLAY_EVENTS} at a time`, { events: total });
  }
  let created = 0;
  let batch: Array<{ event: DomainEventDoc; sub: WebhookSubscriptionDoc }> = [];
  const flush = async () => {
    created += (await createDeliveries(deps, batch, replayId)).length;
    batch = [];
  };
  for await (const event of deps.store.events.find(filter).sort({ occurredAt: 1 }).lean().cursor()) {
    if (recipientsOf(event, [sub]).length === 0) continue;
    batch.push({ event, sub });
    if (batch.length === REPLAY_BATCH) await flush();
  }
  await flush();
  return created;
}

/**
 * Sends a finished delivery again now, as a new round of attempts with the same webhook-id. Its
 * place in the conversation's line is the event's, so later pending deliveries wait for it.
 */
export async function replayDelivery(
  deps: Pick<DispatchDeps, 'store'> & { deliverer: WebhookDeliverer },
  workspaceId: Types.ObjectId,
  deliveryId: string,
): Promise<WebhookDeliveryDoc> {
  const { store } = deps;
  const delivery = await store.webhookDeliveries.findOne({ _id: deliveryId, workspaceId }).lean();
  if (!delivery) throw notFound('Webhook delivery');
  if (delivery.state === 'pending') throw conflict('delivery_pending', 'The delivery is still being attempted');
  const sub = await store.webhookSubscriptions.findOne({ _id: delivery.subscriptionId, workspaceId }).lean();
  if (!sub?.enabled) throw conflict('subscription_disabled', 'The subscription is disabled or deleted; enable it first');
  const replayed = await store.webhookDeliveries
    .findOneAndUpdate(
      { _id: delivery._id, state: delivery.state },
      { $set: { state: 'pending', round: (delivery.round ?? 0) + 1 }, $unset: { nextAttemptAt: 1 } },
      { returnDocument: 'after' },
    )
    .lean();
  if (!replayed) throw conflict('delivery_pending', 'The delivery is being replayed already');
  // The next attempt's job id is new: attempt numbers only grow.
  await deps.deliverer.startNow(replayed);
  return replayed;
}
