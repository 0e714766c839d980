import { Schema } from 'mongoose';
import { csatScopeFields, type CsatScope } from './csat-request.js';

/**
 * A customer's rating, keyed by its request's id: the unique _id admits one rating per request
 * (a link rates once), whichever of two concurrent posts lands first.
 */
export interface CsatRatingDoc extends CsatScope {
  _id: string;
  /** 1 (worst) to 5 (best). */
  rating: number;
  comment?: string;
  /** When its request was sent: the response rate counts ratings by the request's time. */
  requestedAt: Date;
  at: Date;
}

export const csatRatingSchema = new Schema<CsatRatingDoc>(
  {
    _id: { type: String, required: true },
    ...csatScopeFields,
    rating: { type: Number, required: true, min: 1, max: 5 },
    comment: String,
    requestedAt: { type: Date, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
csatRatingSchema.index({ workspaceId: 1, at: 1 });
csatRatingSchema.index({ workspaceId: 1, requestedAt: 1 });
// A conversation's deletion.
csatRatingSchema.index({ conversationId: 1 });
