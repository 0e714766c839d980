import { Schema, type Types } from 'mongoose';
import type { ConversationStatus } from '../../domain/conversation.js';

/**
 * One status change of a conversation, keyed `<conversationId>:<lifecycleVersion it started
 * from>`. Inserting it is how a change claims that version: the unique _id lets exactly one
 * writer move a conversation on from a given version, even on servers whose conditional
 * updates are not atomic under concurrency (FerretDB, on SQLite and on PostgreSQL). It is also the history.
 */
export interface ConversationTransitionDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  conversationId: Types.ObjectId;
  from: ConversationStatus;
  to: ConversationStatus;
  actor: string;
  at: Date;
}

export const conversationTransitionSchema = new Schema<ConversationTransitionDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    actor: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
conversationTransitionSchema.index({ conversationId: 1, at: 1 });
