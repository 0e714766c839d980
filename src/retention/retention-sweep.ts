import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';

/** The timers-queue job that purges, every hour (scheduled with the recovery sweep). */
export const RETENTION_SWEEP = 'retention-sweep';
export const RETENTION_EVERY_MS = 60 * 60_000;

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

export interface RetentionLimits {
  /** A provider request, once processed: replays and audits are served from the messages after that. */
  rawEventDays: number;
  /** An API answer kept for its Idempotency-Key: a client retries within minutes, not days. */
  idempotencyHours: number;
  /** A finished webhook delivery and the event it carried: the delivery log and replays reach back this far. */
  deliveryLogDays: number;
}

export interface Purged {
  rawEvents: number;
  idempotencyRecords: number;
  deliveries: number;
  events: number;
}

/**
 * Removes records that hold customers' words once they have served their purpose. Jobs rather
 * than TTL indexes, since the local store has none; on MongoDB a TTL index on `processedAt`
 * (partial on `state: processed`), on `createdAt`, and on `updatedAt` (partial on a finished
 * state) would do the same from the server, within a minute of each deadline. Work still to be
 * done (an unprocessed request, a pending delivery or event) is never purged.
 */
export class RetentionSweep {
  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger; limits: RetentionLimits }) {}

  async purge(): Promise<Purged> {
    const { store, limits, logger } = this.deps;
    const before = (ms: number) => ({ $lt: new Date(this.deps.clock.now().getTime() - ms) });
    const [rawEvents, idempotencyRecords, deliveries, events] = await Promise.all([
      store.rawEvents.deleteMany({ state: 'processed', processedAt: before(limits.rawEventDays * DAY) }),
      store.idempotencyRecords.deleteMany({ createdAt: before(limits.idempotencyHours * HOUR) }),
      store.webhookDeliveries.deleteMany({ state: { $ne: 'pending' }, updatedAt: before(limits.deliveryLogDays * DAY) }),
      store.events.deleteMany({ state: 'dispatched', occurredAt: before(limits.deliveryLogDays * DAY) }),
    ]);
    const purged = {
      rawEvents: rawEvents.deletedCount,
      idempotencyRecords: idempotencyRecords.deletedCount,
      deliveries: deliveries.deletedCount,
      events: events.deletedCount,
    };
    if (Object.values(purged).some((n) => n > 0)) logger.info(purged, 'retention: purged');
    return purged;
  }
}
