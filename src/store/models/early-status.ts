import { Schema } from 'mongoose';
import type { DeliveryStatus } from '../../domain/delivery-status.js';
import type { ProviderErrorInfo } from '../../domain/message.js';

/**
 * A status callback that arrived before we stored the provider's id of the message it is
 * about (the provider can answer the webhook faster than our send job records its reply).
 * It is applied as soon as the id is stored.
 */
export interface EarlyStatusDoc {
  /** `<providerKey>:<status>` */
  _id: string;
  providerKey: string;
  status: Exclude<DeliveryStatus, 'queued'>;
  timestamp: Date;
  error?: ProviderErrorInfo;
  createdAt: Date;
}

export const earlyStatusSchema = new Schema<EarlyStatusDoc>(
  {
    _id: { type: String, required: true },
    providerKey: { type: String, required: true },
    status: { type: String, required: true },
    timestamp: { type: Date, required: true },
    error: Schema.Types.Mixed,
    createdAt: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
earlyStatusSchema.index({ providerKey: 1 });

