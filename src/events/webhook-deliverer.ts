import type { AxiosInstance } from 'axios';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../jobs/queues.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { DeliveryAttempt } from '../store/models/webhook-delivery.js';
import { nextRetryDelay } from '../webhooks/retry-schedule.js';
import { deliverWebhook } from '../webhooks/sender.js';
import { assertPublicUrl, ForbiddenWebhookUrlError } from '../webhooks/url-guard.js';
import { enqueueDelivery } from './dispatcher.js';

/**
 * One delivery attempt of one event to one subscription, recorded in the delivery log. The next
 * attempt is its own delayed job (Retry-After honoured), so nothing waits in memory and a
 * restart loses nothing; a 410 disables the endpoint.
 */
export class WebhookDeliverer {
  constructor(
    private readonly deps: {
      store: Store;
      queues: Queues;
      secretBox: SecretBox;
      http: AxiosInstance;
      clock: Clock;
      logger: Logger;
      allowedHosts: string[];
    },
  ) {}

  get allowedHosts(): string[] {
    return this.deps.allowedHosts;
  }

  async deliver(deliveryId: string): Promise<void> {
    const { store, clock } = this.deps;
    const delivery = await store.webhookDeliveries.findById(deliveryId).lean();
    if (!delivery || delivery.state !== 'pending') return;
    // Some MongoDB-compatible servers drop an empty array given in $setOnInsert.
    const attemptsSoFar = delivery.attempts?.length ?? 0;
    const [subscription, event] = await Promise.all([
      store.webhookSubscriptions.findById(delivery.subscriptionId).lean(),
      store.events.findById(delivery.eventId).lean(),
    ]);
    if (!subscription?.enabled || !event) {
      await this.finish(deliveryId, 'failed', { at: clock.now(), outcome: 'failed', latencyMs: 0, error: 'subscription disabled or event gone' });
      return;
    }
    const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
    let attempt: DeliveryAttempt;
    let outcome: 'delivered' | 'retry' | 'gone' | 'failed';
    let retryAfterMs: number | undefined;
    try {
      await assertPublicUrl(subscription.url, { allowlist: this.deps.allowedHosts });
      const result = await deliverWebhook({
        url: subscription.url,
        eventId: event._id,
        body,
        secrets: this.deps.secretBox.open<string[]>(subscription.secrets),
        http: this.deps.http,
      });
      outcome = result.outcome;
      retryAfterMs = result.retryAfterMs;
      attempt = { at: clock.now(), outcome: result.outcome, status: result.status, latencyMs: result.latencyMs, responseExcerpt: result.responseExcerpt, error: result.error };
    } catch (err) {
      // A forbidden target will stay forbidden; anything else (a DNS failure) may pass later.
      outcome = err instanceof ForbiddenWebhookUrlError ? 'failed' : 'retry';
      attempt = { at: clock.now(), outcome, latencyMs: 0, error: (err as Error).message };
    }

    if (outcome === 'retry') {
      const delay = nextRetryDelay(attemptsSoFar + 1, retryAfterMs);
      if (delay !== null) {
        await store.webhookDeliveries.updateOne({ _id: deliveryId }, { $push: { attempts: attempt } });
        await enqueueDelivery(this.deps.queues, deliveryId, attemptsSoFar + 1, delay);
        return;
      }
      outcome = 'failed';
    }
    await this.finish(deliveryId, outcome, attempt);
    if (outcome === 'gone') {
      await store.webhookSubscriptions.updateOne(
        { _id: subscription._id },
        { $set: { enabled: false, disabledReason: `The endpoint answered 410 Gone at ${attempt.at.toISOString()}` } },
      );
      this.deps.logger.warn({ subscriptionId: String(subscription._id) }, 'webhook endpoint gone; subscription disabled');
    }
  }

  private async finish(deliveryId: string, state: 'delivered' | 'failed' | 'gone', attempt: DeliveryAttempt): Promise<void> {
    await this.deps.store.webhookDeliveries.updateOne({ _id: deliveryId }, { $set: { state }, $push: { attempts: attempt } });
  }
}
