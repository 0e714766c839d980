import type { Types } from 'mongoose';
import { PerWorkspace, type SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';

/**
 * A workspace's enabled subscriptions, as the fan-out (which events each takes) and the
 * deliveries (address, signing secrets) need them. Their failure streak and last success here
 * may be a minute old: the deliverer writes those with conditions that hold whatever it read.
 */
export type ActiveSubscriptions = PerWorkspace<WebhookSubscriptionDoc[]>;

export function createActiveSubscriptions(store: Store, cache: SharedCache): ActiveSubscriptions {
  return new PerWorkspace(cache, 'webhook-subscriptions', (workspaceId: Types.ObjectId) =>
    store.webhookSubscriptions.find({ workspaceId, enabled: true }).lean(),
  );
}
