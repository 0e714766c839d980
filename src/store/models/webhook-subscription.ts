import { Schema, type Types } from 'mongoose';
import type { SealedSecret } from '../../security/secret-box.js';

export interface WebhookSubscriptionDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  url: string;
  /** Event types to deliver; `*` is all. */
  events: string[];
  description?: string;
  /** The `whsec_` signing secrets (several while one rotates), encrypted. */
  secrets: SealedSecret;
  enabled: boolean;
  disabledReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export const webhookSubscriptionSchema = new Schema<WebhookSubscriptionDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  url: { type: String, required: true },
  events: { type: [String], default: ['*'] },
  description: String,
  secrets: { type: Schema.Types.Mixed, required: true },
  enabled: { type: Boolean, default: true },
  disabledReason: String,
});
webhookSubscriptionSchema.index({ workspaceId: 1, enabled: 1 });
