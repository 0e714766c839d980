import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { DeliveryState } from '../domain/webhook-delivery.js';
import { badRequest, notFound } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { WebhookDeliveryDoc } from '../store/models/webhook-delivery.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import type { WebhookTargetGuard } from './allowlist.js';
import { rotateSecrets } from './secrets.js';
import { generateWebhookSecret } from './signature.js';
import type { ActiveSubscriptions } from './active-subscriptions.js';
import type { DispatchDeps } from './dispatcher.js';
import { EVENT_TYPES } from '../events/outbox.js';
import type { WebhookDeliverer } from './deliverer.js';
import { replayDelivery, replayRange } from './replay.js';
import { type PageRequest, newestFirst, ownRecord } from '../store/workspace-records.js';

const HOUR_MS = 3600 * 1000;

/** A new subscription as the API takes it; `events` may hold `*`, every event. */
export interface SubscriptionInput {
  url: string;
  events: string[];
  description?: string;
}

/** A subscription's settable fields: a null description removes it; `enabled: true` re-enables. */
export interface SubscriptionChanges {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** A subscription with its signing secret in the clear, the one time it is shown. */
export interface WithSecret {
  subscription: WebhookSubscriptionDoc;
  secret: string;
}

export interface SubscriptionServiceDeps extends DispatchDeps {
  /** The shared cache of enabled subscriptions, told of every change so fan-out in every process sees it. */
  subscriptions: ActiveSubscriptions;
  targets: WebhookTargetGuard;
  secretBox: SecretBox;
  deliverer: WebhookDeliverer;
  /** How long deliveries keep being signed with the previous secret after a rotation. */
  secretRotationHours: number;
}

/** The helpdesk endpoints of a workspace as admins manage them, their delivery log and replays. */
export class SubscriptionService {
  constructor(private readonly deps: SubscriptionServiceDeps) {}

  /** The signing secret is shown once, at creation (and at each rotation). */
  async create(workspaceId: Types.ObjectId, input: SubscriptionInput): Promise<WithSecret> {
    checkEvents(input.events);
    await this.deps.targets.assertConfigurable(workspaceId, input.url);
    const secret = generateWebhookSecret();
    const sub = await this.deps.store.webhookSubscriptions.create({
      workspaceId,
      url: input.url,
      events: input.events,
      description: input.description,
      secrets: this.deps.secretBox.seal([secret]),
    });
    await this.deps.subscriptions.changed(sub.workspaceId);
    return { subscription: sub.toObject(), secret };
  }

  /** Newest first, `limit + 1` of them, so the caller can tell whether a next page exists. */
  async list(workspaceId: Types.ObjectId, page: PageRequest): Promise<WebhookSubscriptionDoc[]> {
    return newestFirst(this.deps.store.webhookSubscriptions, { workspaceId }, page);
  }

  async get(workspaceId: Types.ObjectId, id: string): Promise<WebhookSubscriptionDoc> {
    return ownRecord(this.deps.store.webhookSubscriptions, workspaceId, id, 'Webhook subscription');
  }

  async update(workspaceId: Types.ObjectId, id: string, changes: SubscriptionChanges): Promise<WebhookSubscriptionDoc> {
    const sub = await this.get(workspaceId, id);
    if (changes.events) checkEvents(changes.events);
    if (changes.url) await this.deps.targets.assertConfigurable(workspaceId, changes.url);
    const update = updateOf(sub, changes, this.deps.clock.now());
    return this.write(sub, update);
  }

  /** Its pending deliveries fail when their attempt finds it gone. */
  async delete(workspaceId: Types.ObjectId, id: string): Promise<void> {
    const deleted = await this.deps.store.webhookSubscriptions.deleteOne({ _id: id, workspaceId });
    if (deleted.deletedCount === 0) throw notFound('Webhook subscription');
    await this.deps.subscriptions.changed(workspaceId);
  }

  async rotateSecret(workspaceId: Types.ObjectId, id: string): Promise<WithSecret> {
    const { secretBox, clock, secretRotationHours } = this.deps;
    const sub = await this.get(workspaceId, id);
    const { secret, update } = rotateSecrets(secretBox, sub, clock.now(), secretRotationHours * HOUR_MS);
    return { subscription: await this.write(sub, { $set: update }), secret };
  }

  /** Newest event first, `limit + 1` of them; the cursor is the last one's `orderKey`. */
  async deliveries(workspaceId: Types.ObjectId, id: string, opts: { cursor?: string; limit: number; state?: DeliveryState }): Promise<WebhookDeliveryDoc[]> {
    const sub = await this.get(workspaceId, id);
    return this.deps.store.webhookDeliveries
      .find({ subscriptionId: sub._id, ...(opts.state && { state: opts.state }), ...(opts.cursor && { orderKey: { $lt: opts.cursor } }) })
      .sort({ orderKey: -1 })
      .limit(opts.limit + 1)
      .lean();
  }

  /**
   * Delivers the events of [from, to) again (see replayRange). The replay is named after the
   * request's idempotency key when there is one, so a retried request re-creates the same deliveries.
   */
  async replay(workspaceId: Types.ObjectId, id: string, range: { from: Date; to: Date }, idempotencyKey?: string): Promise<{ replayId: string; deliveries: number }> {
    const sub = await this.get(workspaceId, id);
    const replayId = idempotencyKey ? createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24) : String(new Types.ObjectId());
    return { replayId, deliveries: await replayRange(this.deps, sub, range, replayId) };
  }

  async getDelivery(workspaceId: Types.ObjectId, id: string): Promise<WebhookDeliveryDoc> {
    const delivery = await this.deps.store.webhookDeliveries.findOne({ _id: id, workspaceId }).lean();
    if (!delivery) throw notFound('Webhook delivery');
    return delivery;
  }

  replayDelivery(workspaceId: Types.ObjectId, id: string): Promise<WebhookDeliveryDoc> {
    return replayDelivery(this.deps, workspaceId, id);
  }

  /** Writes a change and tells the shared cache; a subscription deleted meanwhile is not found. */
  private async write(sub: WebhookSubscriptionDoc, update: Record<string, unknown>): Promise<WebhookSubscriptionDoc> {
    const updated = await this.deps.store.webhookSubscriptions
      .findOneAndUpdate({ _id: sub._id, workspaceId: sub.workspaceId }, update, { returnDocument: 'after' })
      .lean();
    if (!updated) throw notFound('Webhook subscription');
    await this.deps.subscriptions.changed(sub.workspaceId);
    return updated;
  }
}

function checkEvents(events: string[]): void {
  const unknown = events.filter((e) => e !== '*' && !(EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length > 0) throw badRequest('unknown_event_type', `Unknown event types: ${unknown.join(', ')}`, { known: EVENT_TYPES });
}

/** The store update a change makes of `sub`; enabling or disabling what already is so changes nothing. */
function updateOf(sub: WebhookSubscriptionDoc, changes: SubscriptionChanges, now: Date): Record<string, unknown> {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, 1> = {};
  if (changes.url !== undefined) $set.url = changes.url;
  if (changes.events !== undefined) $set.events = changes.events;
  if (changes.description === null) $unset.description = 1;
  else if (changes.description !== undefined) $set.description = changes.description;
  if (changes.enabled === false && sub.enabled) Object.assign($set, { enabled: false, disabledReason: 'Disabled through the API', disabledAt: now });
  // Re-enabling starts afresh: the reason goes, and so does the failure streak that may have caused it.
  if (changes.enabled === true && !sub.enabled) {
    $set.enabled = true;
    Object.assign($unset, { disabledReason: 1, disabledAt: 1, failingSince: 1 });
  }
  return { ...(Object.keys($set).length > 0 && { $set }), ...(Object.keys($unset).length > 0 && { $unset }) };
}
