import { Schema, type Types } from 'mongoose';
import { CONVERSATION_STATUSES, type ConversationStatus } from '../../domain/conversation.js';

export interface ConversationDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  contactId: Types.ObjectId;
  status: ConversationStatus;
  /** Present only while open; see openThreadKey. */
  openThread?: string;
  /** The contact's last message (provider time); the messaging window runs from it. */
  /** The provider id of the message that opened it: tells a re-run job it created this one. */
  firstProviderKey?: string;
  lastInboundAt?: Date;
  windowExpiresAt?: Date;
  /** Email: the thread's subject; replies go out as "Re: <subject>". */
  subject?: string;
  /** The ended conversation a customer's reply came back to (that one stays ended). */
  previousConversationId?: Types.ObjectId;
  lastMessageAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const conversationSchema = new Schema<ConversationDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  channelId: { type: Schema.Types.ObjectId, required: true },
  contactId: { type: Schema.Types.ObjectId, required: true },
  status: { type: String, enum: CONVERSATION_STATUSES, required: true },
  openThread: String,
  firstProviderKey: String,
  lastInboundAt: Date,
  windowExpiresAt: Date,
  subject: String,
  previousConversationId: Schema.Types.ObjectId,
  lastMessageAt: Date,
});
conversationSchema.index({ openThread: 1 }, { unique: true, sparse: true });
conversationSchema.index({ workspaceId: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, status: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, channelId: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, contactId: 1, _id: -1 });
