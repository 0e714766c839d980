import { Schema, type Types } from 'mongoose';
import { QUARANTINE_STATES, type QuarantineState } from '../../domain/quarantine.js';

/**
 * A mail held back from conversations (src/domain/quarantine.ts): list or bulk mail, kept with
 * the bytes it came in until an admin releases it, when they are parsed and ingested again.
 */
export interface QuarantinedMailDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  /** `<channelId>:<Message-ID>` as on messages: a refetched mail is held once. */
  providerKey: string;
  providerMessageId: string;
  /** The sender's address and the subject, for the admin deciding. */
  from: string;
  subject: string;
  /** The recorded request it came in (raw_events), which the released message names. */
  rawEventId: string;
  /** Its bytes and type, copied: the recorded request is purged after its retention time. Dropped once released. */
  body?: Buffer;
  contentType: string;
  receivedAt: Date;
  state: QuarantineState;
  releasedAt?: Date;
  /** Where the released mail went. */
  conversationId?: Types.ObjectId;
  messageId?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export const quarantinedMailSchema = new Schema<QuarantinedMailDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  channelId: { type: Schema.Types.ObjectId, required: true },
  providerKey: { type: String, required: true },
  providerMessageId: { type: String, required: true },
  from: { type: String, required: true },
  subject: { type: String, default: '' },
  rawEventId: { type: String, required: true },
  body: Buffer,
  contentType: { type: String, required: true },
  receivedAt: { type: Date, required: true },
  state: { type: String, enum: QUARANTINE_STATES, required: true },
  releasedAt: Date,
  conversationId: Schema.Types.ObjectId,
  messageId: Schema.Types.ObjectId,
});
quarantinedMailSchema.index({ providerKey: 1 }, { unique: true });
quarantinedMailSchema.index({ workspaceId: 1, state: 1, _id: -1 });
quarantinedMailSchema.index({ workspaceId: 1, _id: -1 });
quarantinedMailSchema.index({ conversationId: 1 }, { sparse: true });
