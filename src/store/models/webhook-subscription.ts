import { Schema, type Types } from 'mongoose';
import type { SealedSecret } from '../../security/secret-box.js';

export interface WebhookSubscriptionDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  url: string;
  /** Event types to deliver; `*` is all. */
  events: string[];
  description?: string;
  /** The `whsec_` signing secrets, newest first (the previous one is kept while a rotation runs), encrypted. */
  secrets: SealedSecret;
  /** Until then deliveries are signed with the previous secret too (src/webhooks/secrets.ts). */
  rotationEndsAt?: Date;
  enabled: boolean;
  disabledReason?: string;
  disabledAt?: Date;
  /** The first failed attempt since the last success: the endpoint is disabled when it gets too old. */
  failingSince?: Date;
  lastSuccessAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const webhookSubscriptionSchema = new Schema<WebhookSubscriptionDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  url: { type: String, required: true },
  events: { type: [String], default: ['*'] },
  description: String,
  secrets: { type: Schema.Types.Mixed, required: true },
  rotationEndsAt: Date,
  enabled: { type: Boolean, default: true },
  disabledReason: String,
  disabledAt: Date,
  failingSince: Date,
  lastSuccessAt: Date,
});
webhookSubscriptionSchema.index({ workspaceId: 1, enabled: 1 });
webhookSubscriptionSchema.index({ workspaceId: 1, _id: -1 });
// The endpoint probe's failing subscriptions, across workspaces.
webhookSubscriptionSchema.index({ failingSince: 1 }, { sparse: true });
