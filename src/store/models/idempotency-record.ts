import { Schema } from 'mongoose';

/** A POST's answer, kept under its Idempotency-Key so a repeated request gets the same answer. */
export interface IdempotencyRecordDoc {
  /** `<workspaceId>:<key>` */
  _id: string;
  /** Hash of method, path and body: the same key with another request is refused. */
  fingerprint: string;
  state: 'in_progress' | 'done';
  status?: number;
  body?: unknown;
  /** The conversation the answer is about, as a string id: its deletion erases this answer. */
  conversationId?: string;
  createdAt: Date;
  updatedAt: Date;
}

export const idempotencyRecordSchema = new Schema<IdempotencyRecordDoc>({
  _id: { type: String, required: true },
  fingerprint: { type: String, required: true },
  state: { type: String, enum: ['in_progress', 'done'], required: true },
  status: Number,
  body: Schema.Types.Mixed,
  conversationId: String,
});
idempotencyRecordSchema.index({ conversationId: 1 }, { sparse: true });
// The retention sweep's range.
idempotencyRecordSchema.index({ createdAt: 1 });
