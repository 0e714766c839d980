import { Schema, type Types } from 'mongoose';

export interface DeliveryAttempt {
  at: Date;
  outcome: string;
  status?: number;
  latencyMs: number;
  responseExcerpt?: string;
  error?: string;
}

/** One event to one subscription; id `<eventId>:<subscriptionId>` so fan-out is idempotent. */
export interface WebhookDeliveryDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  subscriptionId: Types.ObjectId;
  eventId: string;
  state: 'pending' | 'delivered' | 'failed' | 'gone';
  attempts: DeliveryAttempt[];
  createdAt: Date;
  updatedAt: Date;
}

const attemptSchema = new Schema<DeliveryAttempt>(
  { at: Date, outcome: String, status: Number, latencyMs: Number, responseExcerpt: String, error: String },
  { _id: false },
);

export const webhookDeliverySchema = new Schema<WebhookDeliveryDoc>({
  _id: { type: String, required: true },
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  subscriptionId: { type: Schema.Types.ObjectId, required: true },
  eventId: { type: String, required: true },
  state: { type: String, enum: ['pending', 'delivered', 'failed', 'gone'], required: true },
  attempts: { type: [attemptSchema], default: [] },
});
webhookDeliverySchema.index({ subscriptionId: 1, createdAt: -1 });
webhookDeliverySchema.index({ state: 1, updatedAt: 1 });
