import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../jobs/queues.js';
import type { Store } from '../store/index.js';
import { deliveryJobId, type DeliverJobData } from './dispatcher.js';

/** The timers-queue job that probes failing endpoints (scheduled with the recovery sweep, every `WEBHOOK_PROBE_SECONDS`). */
export const ENDPOINT_PROBE = 'endpoint-probe';

/**
 * Finds out soon that a failing endpoint answers again. Its waiting backlog is released by the
 * first success (WebhookDeliverer.releaseBacklog), but when the head of every line waits for a
 * retry minutes or hours away, nothing would be attempted until then. So, every interval, each
 * failing subscription's oldest pending delivery (the head of its line), when its next attempt is
 * further away than the interval, is attempted now as a probe: a success releases the rest at
 * once; a failure leaves it as it was (WebhookDeliverer.deliver parks it back for its due time,
 * unrecorded, so probes never use up the retry schedule nor fill the delivery log).
 */
export class EndpointProbe {
  constructor(private readonly deps: { store: Store; queues: Queues; clock: Clock; logger: Logger; everyMs: number }) {}

  /** Returns how many endpoints were probed. */
  async probeFailing(): Promise<number> {
    const { store } = this.deps;
    const failing = await store.webhookSubscriptions.find({ enabled: true, failingSince: { $exists: true } }, { _id: 1 }).lean();
    let probed = 0;
    for (const sub of failing) {
      const head = await store.webhookDeliveries.findOne({ subscriptionId: sub._id, state: 'pending' }, { _id: 1, attempts: 1, nextAttemptAt: 1 }).sort({ orderKey: 1 }).lean();
      if (!head?.nextAttemptAt || head.nextAttemptAt.getTime() - this.deps.clock.now().getTime() <= this.deps.everyMs) continue;
      if (await this.runEarly(head._id, head.attempts?.length ?? 0)) probed++;
    }
    if (probed > 0) this.deps.logger.info({ probed }, 'failing webhook endpoints probed');
    return probed;
  }

  /** Runs the delivery's waiting attempt now, marked as a probe; false when it is not waiting (running, or lost: recovery's). */
  private async runEarly(deliveryId: string, attempt: number): Promise<boolean> {
    const job = await this.deps.queues.webhooks.getJob(deliveryJobId(deliveryId, attempt));
    if (!job || !(await job.isDelayed())) return false;
    await job.updateData({ ...(job.data as DeliverJobData), probe: true });
    // It may have started meanwhile: then it is an attempt like any other.
    await job.promote().catch(() => undefined);
    return true;
  }
}
