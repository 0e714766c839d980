import type { AxiosInstance } from 'axios';
import type { Types } from 'mongoose';
import { DelayedError, type Job } from 'bullmq';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../jobs/queues.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { DeliveryAttempt, WebhookDeliveryDoc } from '../store/models/webhook-delivery.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import type { WebhookTargetGuard } from './allowlist.js';
import type { EndpointSlots } from './endpoint-slots.js';
import { nextRetryDelay } from './retry-schedule.js';
import { signingSecrets } from './secrets.js';
import { deliverWebhook, type DeliveryAttemptResult } from './sender.js';
import { ForbiddenWebhookUrlError } from './url-guard.js';
import { deliveryJobId, enqueueDelivery, type DeliverJobData, type KnownDelivery } from './dispatcher.js';
import type { Outbox } from '../events/outbox.js';
import { subscriptionToApi } from '../representation/public-records.js';
import type { ActiveSubscriptions } from './active-subscriptions.js';
import type { DeliveryState } from '../domain/webhook-delivery.js';

const DAY_MS = 24 * 3600 * 1000;
/** A line waiting on an attempt that is running now looks again this soon (its end also wakes it). */
const HEAD_RECHECK_MS = 5_000;
/** A line waiting for an earlier event to be fanned out looks again this soon (its deliveries' end also wakes it). */
const UNDISPATCHED_RECHECK_MS = 1_000;
/** An endpoint at its in-flight limit is asked again after this, plus jitter. */
const SLOT_RETRY_MS = 1_000;
const SUCCESS_RESOLUTION_MS = 60_000;

export interface WebhookDelivererDeps {
  store: Store;
  queues: Queues;
  outbox: Outbox;
  secretBox: SecretBox;
  http: AxiosInstance;
  clock: Clock;
  logger: Logger;
  slots: EndpointSlots;
  /** Told when a subscription is disabled, so every process's fan-out stops sending it events. */
  subscriptions: ActiveSubscriptions;
  /** The private-address guard: checks a target before each attempt and again as it connects. */
  targets: WebhookTargetGuard;
  disableAfterDays: number;
  metrics: DeliveryMetrics;
  /**
   * What the helpdesk answered to a delivered event, for whoever reads answers (an escalation's
   * ticket reference); wired by src/app, so delivery knows nothing of conversations.
   */
  onAnswered?: (answer: { event: DeliveredEvent; subscriptionId: Types.ObjectId; body: string }) => Promise<void>;
}

/** What became of an attempt: delivered, to be retried, failed for good, or the endpoint gone (410). */
export type DeliveryOutcome = DeliveryAttemptResult['outcome'];

/** What delivery counts (in memory, src/metrics): each attempt's outcome, and a delivered event's lag. */
export interface DeliveryMetrics {
  attemptFinished(outcome: DeliveryOutcome, lagMs?: number): void;
}

export type DeliveredEvent = Pick<DomainEventDoc, '_id' | 'workspaceId' | 'conversationId' | 'type' | 'occurredAt' | 'data'>;

/**
 * One delivery attempt of one event to one subscription, recorded in the delivery log. The next
 * attempt is its own delayed job (Retry-After honoured), so nothing waits in memory and a
 * restart loses nothing. Deliveries of one conversation to one subscription go out one at a
 * time in event order; a 410, or days of failures, disable the endpoint.
 */
export class WebhookDeliverer {
  /** When this process last wrote each subscription's `lastSuccessAt` (by subscription id). */
  private readonly successNoted = new Map<string, number>();

  constructor(private readonly deps: WebhookDelivererDeps) {}

  async deliver(job: Job<DeliverJobData>, token: string | undefined): Promise<void> {
    const { store, clock } = this.deps;
    const { known } = job.data;
    const place = await this.placeInLine(job.data.deliveryId, known);
    if (place.waitMs !== undefined) return this.waitForHead(job, token, place.waitMs);
    const { delivery } = place;
    // Some MongoDB-compatible servers drop an empty array given in $setOnInsert.
    const attempts = delivery?.attempts ?? [];
    if (!delivery || delivery.state !== 'pending') return;
    if (job.data.attempt !== undefined && job.data.attempt !== attempts.length) return; // an earlier attempt's job
    const [subscription, event] = await Promise.all([this.subscriptionOf(delivery), this.eventOf(delivery, known)]);
    if (!subscription?.enabled || !event) {
      await this.finish(delivery, 'failed', this.attempt(delivery, { outcome: 'failed', latencyMs: 0, error: 'subscription disabled or event gone' }));
      return this.deps.metrics.attemptFinished('failed');
    }

    const release = await this.deps.slots.acquire(String(subscription._id));
    if (!release) return this.postpone(job, token, SLOT_RETRY_MS * (1 + Math.random()));

    let result: DeliveryAttemptResult;
    try {
      result = await this.send(subscription, event._id, JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data }));
    } finally {
      await release();
    }
    const attempt = this.attempt(delivery, result);
    let outcome: DeliveryOutcome = result.outcome;
    if (outcome === 'retry' && job.data.probe && delivery.nextAttemptAt) return this.probeFailed(job, token, subscription, attempt, delivery.nextAttemptAt);
    if (outcome === 'retry') {
      // A replay starts the schedule again: only this round's attempts count.
      const madeThisRound = attempts.filter((a) => (a.round ?? 0) === (delivery.round ?? 0)).length + 1;
      const delay = nextRetryDelay(madeThisRound, result.retryAfterMs);
      if (delay !== null) {
        const nextAttemptAt = new Date(clock.now().getTime() + delay);
        const recorded = await store.webhookDeliveries.updateOne({ _id: delivery._id }, { $set: { nextAttemptAt }, $push: { attempts: attempt } });
        // Gone meanwhile (its conversation deleted): no next attempt, and no job holding the event.
        if (recorded.matchedCount > 0) await enqueueDelivery(this.deps.queues, delivery._id, attempts.length + 1, delay, known);
        this.deps.metrics.attemptFinished('retry');
        await this.noteFailure(subscription, attempt.at);
        return;
      }
      outcome = 'failed';
    }
    await this.finish(delivery, outcome, attempt);
    this.deps.metrics.attemptFinished(outcome, outcome === 'delivered' ? attempt.at.getTime() - event.occurredAt.getTime() : undefined);
    if (outcome === 'delivered') {
      await this.noteSuccess(subscription, attempt.at);
      if (result.responseBody && this.deps.onAnswered) await this.deps.onAnswered({ event, subscriptionId: subscription._id, body: result.responseBody });
    } else if (outcome === 'gone') {
      await this.disable(subscription, attempt.at, `The endpoint answered 410 Gone at ${attempt.at.toISOString()}`);
    } else {
      await this.noteFailure(subscription, attempt.at);
    }
  }

  /**
   * A probe of a failing endpoint (src/webhooks/endpoint-probe.ts) failed too: the attempt keeps
   * its due time and its place in the schedule, and is not logged (a probe a minute for days would
   * fill the log); the endpoint's failure streak goes on.
   */
  private async probeFailed(job: Job<DeliverJobData>, token: string | undefined, subscription: WebhookSubscriptionDoc, attempt: DeliveryAttempt, dueAt: Date): Promise<never> {
    const { probe: _probe, ...scheduled } = job.data;
    await job.updateData(scheduled);
    this.deps.metrics.attemptFinished('retry');
    await this.noteFailure(subscription, attempt.at);
    return this.postpone(job, token, Math.max(dueAt.getTime() - this.deps.clock.now().getTime(), 0));
  }

  private async send(subscription: WebhookSubscriptionDoc, eventId: string, body: string): Promise<DeliveryAttemptResult> {
    const started = performance.now();
    try {
      const agents = await this.deps.targets.agentsFor(subscription.workspaceId, subscription.url);
      const secrets = signingSecrets(this.deps.secretBox, subscription, this.deps.clock.now());
      return await deliverWebhook({ url: subscription.url, eventId, body, secrets, http: this.deps.http, agents });
    } catch (err) {
      // A forbidden target, at the check or at connect time, will stay forbidden; anything else
      // (a DNS failure) may pass later.
      const outcome = err instanceof ForbiddenWebhookUrlError ? 'failed' : 'retry';
      return { outcome, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
    }
  }

  /**
   * The delivery, when it may go now; otherwise how long to wait: for an earlier event of the
   * conversation that is not dispatched yet (its deliveries not written: its job still queued,
   * running beside this one, or lost until the sweep), or for an earlier delivery of the same
   * conversation to the same subscription (the head of the line) that is still pending. The
   * events are looked at first: an event is marked dispatched only after its deliveries are
   * written, so one seen dispatched has its deliveries in the line read next. With what its job
   * knows, one read answers the line: its first pending delivery up to this one is either this one
   * or the head. The head's end wakes the next one (wakeNext, and waitForHead's second look); the
   * waits are only the fallback.
   */
  private async placeInLine(deliveryId: string, known: KnownDelivery | undefined): Promise<{ delivery?: WebhookDeliveryDoc | null; waitMs?: number }> {
    if (known?.conversationId) {
      const line = { subscriptionId: known.subscriptionId, conversationId: known.conversationId, orderKey: known.orderKey };
      if (await this.earlierEventUndispatched(line)) return { waitMs: UNDISPATCHED_RECHECK_MS };
      const first = await this.firstPendingUpTo(line);
      if (first) return this.placeBehind(first, deliveryId);
      // Nothing pending up to the job's key: the delivery is done or gone, or its record was written
      // under a later key (two runs of its fan-out at once). Its record says which.
    }
    const delivery = await this.deps.store.webhookDeliveries.findById(deliveryId).lean();
    if (!delivery?.conversationId || delivery.state !== 'pending') return { delivery };
    const line = { subscriptionId: String(delivery.subscriptionId), conversationId: String(delivery.conversationId), orderKey: delivery.orderKey };
    if (!known && (await this.earlierEventUndispatched(line))) return { waitMs: UNDISPATCHED_RECHECK_MS };
    const first = await this.firstPendingUpTo(line);
    return first ? this.placeBehind(first, deliveryId) : { delivery: first };
  }

  /** Whether the conversation has an event not dispatched yet that occurred before this delivery's (the order key's time). */
  private async earlierEventUndispatched(line: { conversationId: string; orderKey: string }): Promise<boolean> {
    const occurredAt = new Date(Number(line.orderKey.slice(0, 13)));
    return (await this.deps.store.events.exists({ conversationId: line.conversationId, state: 'pending', occurredAt: { $lt: occurredAt } })) !== null;
  }

  private firstPendingUpTo(line: { subscriptionId: string; conversationId: string; orderKey: string }): Promise<WebhookDeliveryDoc | null> {
    return this.deps.store.webhookDeliveries
      .findOne({ subscriptionId: line.subscriptionId, conversationId: line.conversationId, state: 'pending', orderKey: { $lte: line.orderKey } })
      .sort({ orderKey: 1 })
      .lean();
  }

  /** Goes now when `first` is the delivery itself; otherwise waits for that head's next attempt, plus a margin. */
  private placeBehind(first: WebhookDeliveryDoc, deliveryId: string): { delivery?: WebhookDeliveryDoc; waitMs?: number } {
    if (first._id === deliveryId) return { delivery: first };
    const untilHeadRetries = (first.nextAttemptAt?.getTime() ?? 0) - this.deps.clock.now().getTime();
    return { waitMs: Math.max(untilHeadRetries, 0) + HEAD_RECHECK_MS };
  }

  /** From the workspace's cached subscriptions; from the store when it is not there (just created, or disabled). */
  private async subscriptionOf(delivery: WebhookDeliveryDoc): Promise<WebhookSubscriptionDoc | null> {
    const cached = (await this.deps.subscriptions.of(delivery.workspaceId)).find((s) => String(s._id) === String(delivery.subscriptionId));
    return cached ?? (await this.deps.store.webhookSubscriptions.findById(delivery.subscriptionId).lean());
  }

  private async eventOf(delivery: WebhookDeliveryDoc, known: KnownDelivery | undefined): Promise<DeliveredEvent | null> {
    if (!known) return this.deps.store.events.findById(delivery.eventId).lean();
    const { type, occurredAt, data } = known.event;
    return { _id: delivery.eventId, workspaceId: delivery.workspaceId, conversationId: delivery.conversationId, type, occurredAt: new Date(occurredAt), data };
  }

  /**
   * Parks the job until the head of its line ends. The head may end between our look at the line
   * and the parking, its wakeNext finding this job still running and so not promoting it: one look
   * after parking closes that gap (either the head's wakeNext or this look sees the other's write).
   */
  private async waitForHead(job: Job<DeliverJobData>, token: string | undefined, delayMs: number): Promise<never> {
    await this.park(job, token, delayMs);
    const again = await this.placeInLine(job.data.deliveryId, job.data.known);
    if (again.waitMs === undefined) await job.promote().catch(() => undefined); // it may have been promoted already
    throw new DelayedError();
  }

  private async postpone(job: Job<DeliverJobData>, token: string | undefined, delayMs: number): Promise<never> {
    await this.park(job, token, delayMs);
    throw new DelayedError();
  }

  /** Puts this same job back as delayed: its id, and so its place in recovery, stay the same. */
  private async park(job: Job<DeliverJobData>, token: string | undefined, delayMs: number): Promise<void> {
    await job.moveToDelayed(Date.now() + Math.round(delayMs), token);
  }

  /** Records a final attempt, then lets the next delivery of the same line go. */
  private async finish(delivery: WebhookDeliveryDoc, state: DeliveryState, attempt: DeliveryAttempt): Promise<void> {
    await this.deps.store.webhookDeliveries.updateOne({ _id: delivery._id }, { $set: { state }, $unset: { nextAttemptAt: 1 }, $push: { attempts: attempt } });
    await this.wakeNext(delivery);
  }

  /**
   * Starts the next pending delivery of the conversation to the subscription at once, unless it
   * has a retry of its own scheduled. Its job may be missing (a crash), waiting (added again:
   * harmless) or delayed behind this one (promoted).
   */
  async wakeNext(delivery: Pick<WebhookDeliveryDoc, 'subscriptionId' | 'conversationId' | 'orderKey'>): Promise<void> {
    if (!delivery.conversationId) return;
    const next = await this.deps.store.webhookDeliveries
      .findOne({ subscriptionId: delivery.subscriptionId, conversationId: delivery.conversationId, state: 'pending', orderKey: { $gt: delivery.orderKey } })
      .sort({ orderKey: 1 })
      .lean();
    if (!next || (next.nextAttemptAt && next.nextAttemptAt > this.deps.clock.now())) return;
    await this.startNow(next);
  }

  /** Runs the current attempt of a pending delivery now, whatever its job's state. */
  async startNow(delivery: Pick<WebhookDeliveryDoc, '_id' | 'attempts'>): Promise<void> {
    const attempt = delivery.attempts?.length ?? 0;
    await enqueueDelivery(this.deps.queues, delivery._id, attempt, 0);
    const job = await this.deps.queues.webhooks.getJob(deliveryJobId(delivery._id, attempt));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined); // it may have just started
  }

  private attempt(delivery: WebhookDeliveryDoc, result: Omit<DeliveryAttemptResult, 'outcome'> & { outcome: string }): DeliveryAttempt {
    const { outcome, status, latencyMs, responseExcerpt, error } = result;
    return { round: delivery.round ?? 0, at: this.deps.clock.now(), outcome, status, latencyMs, responseExcerpt, error };
  }

  /**
   * Ends a failure streak and keeps `lastSuccessAt` to the minute: a busy endpoint's subscription
   * is not rewritten on every delivery (a whole-document write on some servers could undo a
   * concurrent change of another field). The subscription comes from the shared cache, which
   * this minute's writes do not refresh: the process remembers its own, and a streak's start and
   * end (rare) refresh every process's copy.
   */
  private async noteSuccess(subscription: WebhookSubscriptionDoc, at: Date): Promise<void> {
    const id = String(subscription._id);
    const lastNoted = Math.max(subscription.lastSuccessAt?.getTime() ?? 0, this.successNoted.get(id) ?? 0);
    if (at.getTime() - lastNoted < SUCCESS_RESOLUTION_MS && !subscription.failingSince) return;
    this.successNoted.set(id, at.getTime());
    await this.deps.store.webhookSubscriptions.updateOne({ _id: subscription._id, enabled: true }, { $set: { lastSuccessAt: at }, $unset: { failingSince: 1 } });
    if (!subscription.failingSince) return;
    await this.deps.subscriptions.changed(subscription.workspaceId);
    await this.releaseBacklog(subscription, at);
  }

  /**
   * The endpoint answers again after a failure streak: deliveries waiting for a retry minutes or
   * hours away go now. Each line keeps its order: a later delivery still waits for its head.
   */
  private async releaseBacklog(subscription: WebhookSubscriptionDoc, at: Date): Promise<void> {
    const waiting = await this.deps.store.webhookDeliveries
      .find({ subscriptionId: subscription._id, state: 'pending', nextAttemptAt: { $gt: at } }, { _id: 1, attempts: 1 })
      .lean();
    for (const delivery of waiting) await this.startNow(delivery);
    if (waiting.length > 0) this.deps.logger.info({ subscriptionId: String(subscription._id), released: waiting.length }, 'endpoint answers again; its waiting deliveries go now');
  }

  /**
   * A failed attempt: starts the endpoint's failure streak, or disables the endpoint once the
   * streak is older than the configured days with no success in between.
   */
  private async noteFailure(subscription: WebhookSubscriptionDoc, at: Date): Promise<void> {
    if (!subscription.failingSince) {
      const started = await this.deps.store.webhookSubscriptions.updateOne({ _id: subscription._id, failingSince: { $exists: false } }, { $set: { failingSince: at } });
      if (started.modifiedCount > 0) await this.deps.subscriptions.changed(subscription.workspaceId);
      return;
    }
    const days = this.deps.disableAfterDays;
    if (at.getTime() - subscription.failingSince.getTime() < days * DAY_MS) return;
    await this.disable(subscription, at, `No successful delivery since ${subscription.failingSince.toISOString()} (${days} days of failures)`);
  }

  /**
   * Disables the endpoint and tells the workspace's other subscriptions. The event's key is the
   * failure streak, so one streak yields one event however many attempts end it.
   */
  private async disable(subscription: WebhookSubscriptionDoc, at: Date, reason: string): Promise<void> {
    const { store, outbox, logger } = this.deps;
    const streak = subscription.failingSince ?? at;
    const updated = await store.webhookSubscriptions
      .findOneAndUpdate({ _id: subscription._id, enabled: true }, { $set: { enabled: false, disabledReason: reason, disabledAt: at, failingSince: streak } }, { returnDocument: 'after' })
      .lean();
    if (!updated) return;
    await this.deps.subscriptions.changed(subscription.workspaceId);
    logger.warn({ subscriptionId: String(subscription._id), reason }, 'webhook subscription disabled');
    await outbox.emit({
      type: 'webhook_subscription.disabled',
      workspaceId: subscription.workspaceId,
      key: `${String(subscription._id)}-${streak.getTime()}`,
      data: { subscription: subscriptionToApi(updated), reason },
    });
  }
}
