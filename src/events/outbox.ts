import type { Types } from 'mongoose';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import type { Queues } from '../jobs/queues.js';
import type { Store } from '../store/index.js';
import { isDuplicateKeyError } from '../errors.js';
import { INFRA_RETRY } from './dispatcher.js';

export const EVENT_TYPES = [
  'conversation.created',
  'conversation.updated',
  'conversation.status_changed',
  'conversation.assigned',
  'conversation.transferred',
  'conversation.deleted',
  'conversation.escalated',
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
    // Ids double as Standard Webhooks' webhook-id, which should not contain dots.
    const id = `${event.type.replace('.', '_')}-${event.key}`;
    try {
      await this.store.events.create({
        _id: id,
        workspaceId: event.workspaceId,
        type: event.type,
        conversationId: event.conversationId,
        data: event.data,
        occurredAt: this.clock.now(),
        state: 'pending',
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    await this.schedule(id);
    return id;
  }

  async schedule(eventId: string): Promise<void> {
    await this.queues.events.add('dispatch', { eventId }, { ...INFRA_RETRY, jobId: `dispatch-${eventId}` });
    this.logger.debug({ eventId }, 'event scheduled');
  }
}
