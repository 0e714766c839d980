import type { Types } from 'mongoose';
import { PerWorkspace, type SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';

export type FanOutSubscription = Pick<WebhookSubscriptionDoc, '_id' | 'events'>;

/**
 * What the fan-out of every event needs to know of a workspace's enabled subscriptions: which
 * events each takes. Deliveries read the subscription itself (address, secrets, failure streak) fresh.
 */
export type ActiveSubscriptions = PerWorkspace<FanOutSubscription[]>;

export function createActiveSubscriptions(store: Store, cache: SharedCache): ActiveSubscriptions {
  return new PerWorkspace(cache, 'webhook-subscriptions', (workspaceId: Types.ObjectId) =>
    store.webhookSubscriptions.find({ workspaceId, enabled: true }, { _id: 1, events: 1 }).lean(),
  );
}
