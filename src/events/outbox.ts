import type { Types } from 'mongoose';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import { addOrLeaveToSweep, type Queues } from '../jobs/queues.js';
import type { Store } from '../store/index.js';
import { isOnlyDuplicateKeys } from '../errors.js';
import { carriedEvent, INFRA_RETRY, type DispatchJobData } from '../webhooks/dispatcher.js';

export const EVENT_TYPES = [
  'conversation.created',
  'conversation.updated',
  'conversation.status_changed',
  'conversation.assigned',
  'conversation.transferred',
  'conversation.deleted',
  'conversation.escalated',
  'conversation.handed_off',
  'contact.updated',
  'contact.merged',
  'automation.rule_applied',
  'csat.received',
  'webhook_subscription.disabled',
  'typing',
  'message.received',
  'message.sent',
  'message.note_added',
  'message.status_updated',
  'template.status_updated',
  'channel.provider_error',
  'channel.created',
  'channel.state_changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  type: EventType;
  workspaceId: Types.ObjectId;
  /** Makes the event id deterministic: the same change always yields the same event. */
  key: string;
  conversationId?: Types.ObjectId;
  data: Record<string, unknown>;
}

/** Ids double as Standard Webhooks' webhook-id, which should not contain dots. */
function eventIdOf(event: NewEvent): string {
  return `${event.type.replace('.', '_')}-${event.key}`;
}

/** The fan-out job of a change, named by its first event. */
export const dispatchJobId = (firstEventId: string) => `dispatch-${firstEventId}`;

/**
 * Writes domain events durably, then schedules their fan-out. A job that re-runs after a crash
 * re-emits the same ids: the insert is ignored and the fan-out job is re-added, never doubled.
 */
export class Outbox {
  constructor(
    private readonly store: Store,
    private readonly queues: Queues,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async emit(event: NewEvent): Promise<string> {
    const [id] = await this.emitAll([event]);
    return id!;
  }

  /**
   * Several events of one change, in order: one store write and one queue round trip for all.
   * Events that exist already (a re-run) are left as they are and scheduled again.
   */
  async emitAll(events: NewEvent[]): Promise<string[]> {
    const occurredAt = this.clock.now();
    const docs = events.map((event) => ({
      _id: eventIdOf(event),
      workspaceId: event.workspaceId,
      type: event.type,
      conversationId: event.conversationId,
      data: event.data,
      occurredAt,
      state: 'pending' as const,
    }));
    let repeated = false;
    try {
      await this.store.events.insertMany(docs, { ordered: false });
    } catch (err) {
      if (!isOnlyDuplicateKeys(err)) throw err;
      repeated = true;
    }
    // A repeat's stored events keep their first time, which orders their deliveries: its job reads them.
    const eventIds = docs.map((doc) => doc._id);
    await addOrLeaveToSweep(() => this.schedule([repeated ? { eventIds } : { eventIds, events: docs.map(carriedEvent) }]));
    return docs.map((doc) => doc._id);
  }

  /**
   * Queues the fan-out of stored events, one job per change named by its first event, all in one
   * round trip: the same change re-emitted makes the same job, so a repeat is harmless.
   */
  async schedule(changes: DispatchJobData[]): Promise<void> {
    const jobs = changes.filter((change) => change.eventIds.length > 0);
    if (jobs.length === 0) return;
    await this.queues.events.addBulk(jobs.map((data) => ({ name: 'dispatch', data, opts: { ...INFRA_RETRY, jobId: dispatchJobId(data.eventIds[0]!) } })));
    this.logger.debug({ changes: jobs.map((data) => data.eventIds) }, 'events scheduled');
  }
}
