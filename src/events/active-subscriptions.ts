import type { Types } from 'mongoose';
import type { SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';

export type FanOutSubscription = Pick<WebhookSubscriptionDoc, '_id' | 'events'>;

/**
 * What the fan-out of every event needs to know of a workspace's enabled subscriptions (which
 * events each takes), cached in each process and dropped everywhere when `changed` is called
 * after a subscription is created, changed, disabled or removed. Deliveries read the
 * subscription itself (address, secrets, failure streak) fresh.
 */
export class ActiveSubscriptions {
  constructor(private readonly deps: { store: Store; cache: SharedCache }) {}

  async of(workspaceId: Types.ObjectId): Promise<FanOutSubscription[]> {
    return this.deps.cache.get(keyOf(workspaceId), () => this.deps.store.webhookSubscriptions.find({ workspaceId, enabled: true }, { _id: 1, events: 1 }).lean());
  }

  async changed(workspaceId: Types.ObjectId): Promise<void> {
    await this.deps.cache.invalidate(keyOf(workspaceId));
  }
}

const keyOf = (workspaceId: Types.ObjectId) => `webhook-subscriptions:${String(workspaceId)}`;
