import type { ChannelService, ResolvedChannel } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import type { InboundEvent } from '../domain/inbound-event.js';
import { isHeldForReview } from '../domain/quarantine.js';
import type { Outbox } from '../events/outbox.js';
import type { Logger } from '../logger.js';
import type { StatusUpdater } from '../messages/status-updater.js';
import type { Store } from '../store/index.js';
import { providerKeyOf } from '../store/models/message.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import { holdForReview } from './hold-for-review.js';
import type { MessageIngest } from './message-ingest.js';
import { revivedEvents, type InboundJobData } from './inbound-job.js';

/** What the inbound job counts (in memory, src/metrics). */
export interface InboundMetrics {
  eventApplied(channelType: string, kind: InboundEvent['kind']): void;
}

interface ParsedRequest {
  receiving: ResolvedChannel;
  events: InboundEvent[];
}

/**
 * The inbound job: turns one recorded provider request into stored messages, statuses and
 * template updates. It may run more than once for the same request; every step is idempotent.
 */
export class InboundProcessor {
  constructor(
    private readonly deps: {
      store: Store;
      channels: ChannelService;
      ingest: MessageIngest;
      statuses: StatusUpdater;
      templates: TemplateRegistry;
      outbox: Outbox;
      clock: Clock;
      logger: Logger;
      metrics: InboundMetrics;
    },
  ) {}

  async process(job: InboundJobData): Promise<void> {
    const { store, clock, logger } = this.deps;
    const { rawEventId } = job;
    const request = job.parsed ? await this.carried(job.parsed) : await this.recorded(rawEventId);
    if (!request) return;
    const { receiving, events } = request;
    for (const [index, event] of events.entries()) {
      const targets = await this.route(receiving, event.accountId);
      if (targets.length === 0) {
        logger.warn({ rawEventId, accountId: event.accountId, kind: event.kind }, 'event for an account with no channel in this workspace; skipped');
      }
      for (const channel of targets) {
        await this.apply(channel, event, rawEventId, `${rawEventId}-${index}`);
        this.deps.metrics.eventApplied(channel.doc.type, event.kind);
      }
    }
    await store.rawEvents.updateOne(
      { _id: rawEventId },
      { $set: { state: 'processed', processedAt: clock.now(), eventCount: events.length }, $unset: { error: '' } },
    );
  }

  /** The events the acknowledgement parsed; a re-run after processing repeats idempotent steps. */
  private async carried(parsed: NonNullable<InboundJobData['parsed']>): Promise<ParsedRequest | null> {
    const receiving = await this.deps.channels.resolveById(parsed.channelId);
    // A channel deleted since: its requests are dropped with it.
    return receiving && { receiving, events: revivedEvents(parsed.events) };
  }

  /** The recorded request, parsed now; null when it was processed already or its channel is gone. */
  private async recorded(rawEventId: string): Promise<ParsedRequest | null> {
    const { store, channels } = this.deps;
    // Not lean: a hydrated document gives the body back as a Buffer.
    const raw = await store.rawEvents.findById(rawEventId);
    if (!raw) {
      // Deleted since it was queued (its conversation deleted for good): said, not silently skipped.
      this.deps.logger.warn({ rawEventId }, 'inbound job whose recorded request is gone; nothing to process');
      return null;
    }
    if (raw.state === 'processed') return null;
    const receiving = await channels.resolveById(String(raw.channelId));
    if (!receiving) {
      await store.rawEvents.updateOne({ _id: rawEventId }, { $set: { state: 'failed', error: 'channel deleted' } });
      return null;
    }
    const events = await receiving.connector.parse({ rawBody: raw.body, headers: { 'content-type': raw.contentType }, receivedAt: raw.receivedAt });
    return { receiving, events };
  }

  /** Marks a request whose processing finally failed, so it is visible and can be replayed. */
  async markFailed(rawEventId: string, reason: string): Promise<void> {
    await this.deps.store.rawEvents.updateOne({ _id: rawEventId, state: 'received' }, { $set: { state: 'failed', error: reason } });
  }

  /** One provider webhook may carry events of several accounts of the same workspace. */
  private async route(receiving: ResolvedChannel, accountId: string): Promise<ResolvedChannel[]> {
    if (accountId === receiving.doc.accountId) return [receiving];
    return this.deps.channels.resolveByAccount(receiving.doc.workspaceId, receiving.doc.type, accountId);
  }

  /** `eventKey` names the event within its request (`rawEventId`), for ids that stay the same on a re-run. */
  private async apply(channel: ResolvedChannel, event: InboundEvent, rawEventId: string, eventKey: string): Promise<void> {
    switch (event.kind) {
      case 'message':
        // Mailing-list and bulk mail waits in quarantine for an admin (src/quarantine/).
        if (isHeldForReview(event.content)) return holdForReview(this.deps.store, channel.doc, event, rawEventId);
        return this.deps.ingest.ingest(channel, event, rawEventId);
      case 'status':
        return this.deps.statuses.applyCallback({
          providerKey: providerKeyOf(channel.doc._id, event.providerMessageId),
          status: event.status,
          timestamp: event.timestamp,
          ...(event.error && { error: { ...event.error, outcome: event.error.outcome ?? 'final' } }),
        });
      case 'echo':
        return this.deps.ingest.ingestEcho(channel, event, rawEventId);
      case 'watermark':
        return this.deps.statuses.applyWatermark(channel.doc, event);
      case 'template_status':
        return this.deps.templates.applyStatus(channel.doc, event);
      case 'provider_error':
        await this.deps.outbox.emit({
          type: 'channel.provider_error',
          workspaceId: channel.doc.workspaceId,
          key: `${eventKey}-${String(channel.doc._id)}`,
          data: { channelId: String(channel.doc._id), errors: event.errors },
        });
        return;
    }
  }
}
