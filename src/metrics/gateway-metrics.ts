import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InboundEvent } from '../domain/inbound-event.js';
import type { DeliveryMetrics, DeliveryOutcome } from '../webhooks/deliverer.js';
import type { InboundMetrics } from '../ingest/inbound-processor.js';
import type { Queues } from '../jobs/queues.js';
import type { SendMetrics, SendResult } from '../outbound/send-worker.js';

/** The queue states a scrape reports (BullMQ's names). */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Seconds, from a fast path's tens of milliseconds to a webhook retried for an hour. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * The process's Prometheus metrics. Counters are counted in memory where the work happens, so
 * they add no store command and no Redis round trip to any path; queue depths are read from
 * Redis when scraped. Each process counts its own work: scrape every process.
 */
export class GatewayMetrics implements InboundMetrics, SendMetrics, DeliveryMetrics {
  private readonly registry = new Registry();
  private readonly ingested = new Counter({
    name: 'omnigate_ingested_events_total',
    help: 'Inbound provider events applied (messages, statuses, echoes, ...), by channel type and kind',
    labelNames: ['channel_type', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly ingestLag = new Histogram({
    name: 'omnigate_ingest_lag_seconds',
    help: 'From a provider request being recorded to the end of its inbound job',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  private readonly sends = new Counter({
    name: 'omnigate_sends_total',
    help: 'Send attempts by channel type and result (accepted, sent, retry, failed), with the provider or policy code of a failure',
    labelNames: ['channel_type', 'result', 'code'] as const,
    registers: [this.registry],
  });
  private readonly attempts = new Counter({
    name: 'omnigate_webhook_attempts_total',
    help: 'Webhook delivery attempts to helpdesks, by outcome (delivered, retry, failed, gone)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly deliveryLag = new Histogram({
    name: 'omnigate_webhook_delivery_lag_seconds',
    help: 'From a domain event to its delivery to a helpdesk',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  constructor(queues: Queues) {
    collectDefaultMetrics({ register: this.registry });
    const depth = new Gauge({
      name: 'omnigate_queue_jobs',
      help: 'Jobs per queue and state, read from Redis at each scrape',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      collect: async () => {
        depth.reset();
        try {
          for (const [name, queue] of Object.entries(queues)) {
            const counts = await queue.getJobCounts(...QUEUE_STATES);
            for (const state of QUEUE_STATES) depth.set({ queue: name, state }, counts[state] ?? 0);
          }
        } catch {
          // Redis away: no depths rather than stale ones (the other series still answer).
          depth.reset();
        }
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition a scrape answers with. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  eventApplied(channelType: string, kind: InboundEvent['kind']): void {
    this.ingested.inc({ channel_type: channelType, kind });
  }

  inboundJobFinished(lagMs: number): void {
    this.ingestLag.observe(lagMs / 1000);
  }

  sendFinished(channelType: string, result: SendResult, code = ''): void {
    this.sends.inc({ channel_type: channelType, result, code });
  }

  attemptFinished(outcome: DeliveryOutcome, lagMs?: number): void {
    this.attempts.inc({ outcome });
    if (lagMs !== undefined) this.deliveryLag.observe(lagMs / 1000);
  }
}
