import { Schema, type Types } from 'mongoose';
import { CSAT_REQUEST_STATES, type CsatRequestState } from '../../domain/csat.js';

/** Where a survey and its rating belong: copied from the conversation so analytics filters need no join. */
export interface CsatScope {
  workspaceId: Types.ObjectId;
  conversationId: Types.ObjectId;
  channelId: Types.ObjectId;
  queueId?: Types.ObjectId;
  agentId?: Types.ObjectId;
}

export const csatScopeFields = {
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  conversationId: { type: Schema.Types.ObjectId, required: true },
  channelId: { type: Schema.Types.ObjectId, required: true },
  queueId: Schema.Types.ObjectId,
  agentId: Schema.Types.ObjectId,
} as const;

/**
 * One satisfaction survey of one resolution, keyed by the id of the resolution's
 * `conversation.status_changed` event. Inserting it is the claim that sends the survey at most
 * once, however often the event is handled. The agent, queue and channel are copied from the
 * conversation so ratings and analytics filters need no join.
 */
export interface CsatRequestDoc extends CsatScope {
  _id: string;
  /** sent: the message with the link was accepted for sending; skipped: the channel refused it now. */
  state: CsatRequestState;
  /** The unguessable part of the rating link; only sent requests have one. */
  token?: string;
  /** skipped: the send policy's refusal code (e.g. window_closed). */
  skipReason?: string;
  /** The message that carried the link. */
  messageId?: Types.ObjectId;
  at: Date;
}

export const csatRequestSchema = new Schema<CsatRequestDoc>(
  {
    _id: { type: String, required: true },
    ...csatScopeFields,
    state: { type: String, enum: CSAT_REQUEST_STATES, required: true },
    token: String,
    skipReason: String,
    messageId: Schema.Types.ObjectId,
    at: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
csatRequestSchema.index({ token: 1 }, { unique: true, sparse: true });
// Analytics counts the requests of a workspace by time.
csatRequestSchema.index({ workspaceId: 1, at: 1 });
// A conversation's deletion.
csatRequestSchema.index({ conversationId: 1 });
