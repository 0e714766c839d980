import { Schema, type Types } from 'mongoose';
import { DELIVERY_STATES, type DeliveryState } from '../../domain/webhook-delivery.js';

export interface DeliveryAttempt {
  /** The send round it belongs to: 0, then one more per manual replay. */
  round: number;
  at: Date;
  outcome: string;
  status?: number;
  latencyMs: number;
  /** The start of the receiver's answer, bounded (src/webhooks/sender.ts). */
  responseExcerpt?: string;
  error?: string;
}

/**
 * One event to one subscription; id `<eventId>--<subscriptionId>` (plus `--<replayId>` for a
 * range replay) so fan-out is idempotent.
 */
export interface WebhookDeliveryDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  subscriptionId: Types.ObjectId;
  eventId: string;
  eventType: string;
  /** Deliveries of one conversation to one subscription are sent one at a time, by orderKey. */
  conversationId?: Types.ObjectId;
  /**
   * `<event time, ms, 13 digits>-<fan-out sequence, 12 digits>`: sorts like the events of a
   * conversation happened (ties, such as a manual clock, broken by fan-out order), unique, and the
   * cursor of the delivery log.
   */
  orderKey: string;
  /** The range replay that created it, if any. */
  replayId?: string;
  state: DeliveryState;
  /** Rises with each manual replay; attempts carry it. */
  round: number;
  /** When the next attempt of a pending delivery is due (absent while it waits for its first). */
  nextAttemptAt?: Date;
  attempts: DeliveryAttempt[];
  createdAt: Date;
  updatedAt: Date;
}

const attemptSchema = new Schema<DeliveryAttempt>(
  { round: Number, at: Date, outcome: String, status: Number, latencyMs: Number, responseExcerpt: String, error: String },
  { _id: false },
);

export const webhookDeliverySchema = new Schema<WebhookDeliveryDoc>({
  _id: { type: String, required: true },
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  subscriptionId: { type: Schema.Types.ObjectId, required: true },
  eventId: { type: String, required: true },
  eventType: { type: String, required: true },
  conversationId: Schema.Types.ObjectId,
  orderKey: { type: String, required: true },
  replayId: String,
  state: { type: String, enum: DELIVERY_STATES, required: true },
  round: { type: Number, default: 0 },
  nextAttemptAt: Date,
  attempts: { type: [attemptSchema], default: [] },
});
// The delivery log, newest first, all or by state.
webhookDeliverySchema.index({ subscriptionId: 1, orderKey: -1 });
webhookDeliverySchema.index({ subscriptionId: 1, state: 1, orderKey: -1 });
// The head of a conversation's line to one subscription.
webhookDeliverySchema.index({ subscriptionId: 1, conversationId: 1, state: 1, orderKey: 1 });
webhookDeliverySchema.index({ state: 1, updatedAt: 1 });
// A conversation's deletion.
webhookDeliverySchema.index({ conversationId: 1 });
