import { Schema, type Types } from 'mongoose';
import type { MessageStatus } from '../../domain/delivery-status.js';
import type { EmailThreadHeaders, MessageContent, MessageType, ProviderErrorInfo } from '../../domain/message.js';
import type { MessageTag } from '../../domain/channel.js';
import { MESSAGE_AUTHORS, type MessageAuthor } from '../../domain/message.js';

export type MessageDirection = 'inbound' | 'outbound';

/**
 * Who wrote a message: the contact; a person using the API (agent); an automation; or the
 * business from another tool (an echo: recorded, never sent by us).
 */

export interface MessageDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  conversationId: Types.ObjectId;
  contactId: Types.ObjectId;
  direction: MessageDirection;
  type: MessageType;
  content: MessageContent;
  status: MessageStatus;
  providerMessageId?: string;
  /**
   * `<channelId>:<providerMessageId>`, unique: a redelivered event can never insert twice.
   * Absent until an outbound message has been accepted by the provider (sparse index).
   */
  providerKey?: string;
  /** Received: the recorded provider request (raw_events) it came in, erased with it. */
  rawEventId?: string;
  /** Inbound: the provider's time of the message. Outbound: when it was handed to the provider. */
  providerTimestamp?: Date;
  replyToProviderMessageId?: string;
  referral?: Record<string, unknown>;
  /** Inbound: the sender's user id as the message named it (WhatsApp business-scoped user id). */
  contactUserId?: string;
  /** Email threading headers, received or sent: replies are matched and chained by them. */
  thread?: EmailThreadHeaders;
  author: MessageAuthor;
  /** An internal note: stored with the conversation for agents, never sent to the customer. */
  internal?: boolean;
  /** History of a conversation another app controlled (Messenger standby): never work for people. */
  standby?: boolean;
  /** Written by the AI agent (author `automation`): who answered, as the conversation shows it. */
  aiAgent?: boolean;
  /** A customer message the AI agent answers: the id its answer is stored under, chosen once, so a re-run job never sends a second. */
  aiReplyId?: Types.ObjectId;
  /** The API key that asked for an outbound message. */
  sentBy?: Types.ObjectId;
  /** The message tag it was sent with (Messenger, outside the standard window). */
  tag?: MessageTag;
  /** Send attempts made so far; a retry request starts a new round. */
  sendRound: number;
  acceptedAt?: Date;
  sentAt?: Date;
  deliveredAt?: Date;
  readAt?: Date;
  failedAt?: Date;
  error?: ProviderErrorInfo;
  createdAt: Date;
  updatedAt: Date;
}

export const messageSchema = new Schema<MessageDoc>(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    channelId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    contactId: { type: Schema.Types.ObjectId, required: true },
    direction: { type: String, enum: ['inbound', 'outbound'], required: true },
    type: { type: String, required: true },
    content: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    providerMessageId: String,
    providerKey: String,
    rawEventId: String,
    providerTimestamp: Date,
    replyToProviderMessageId: String,
    referral: Schema.Types.Mixed,
    contactUserId: String,
    thread: Schema.Types.Mixed,
    author: { type: String, enum: MESSAGE_AUTHORS, required: true },
    internal: Boolean,
    standby: Boolean,
    aiAgent: Boolean,
    aiReplyId: Schema.Types.ObjectId,
    sentBy: Schema.Types.ObjectId,
    tag: String,
    sendRound: { type: Number, default: 0 },
    acceptedAt: Date,
    sentAt: Date,
    deliveredAt: Date,
    readAt: Date,
    failedAt: Date,
    error: Schema.Types.Mixed,
  },
  { minimize: false },
);
messageSchema.index({ providerKey: 1 }, { unique: true, sparse: true });
messageSchema.index({ conversationId: 1, _id: 1 });
messageSchema.index({ workspaceId: 1, _id: -1 });
// Analytics: messages of a workspace created in a range.
messageSchema.index({ workspaceId: 1, createdAt: 1 });
messageSchema.index({ status: 1, updatedAt: 1 });
// Messenger watermarks: the recent outbound messages of one contact on one channel.
messageSchema.index({ contactId: 1, channelId: 1, direction: 1, status: 1 });

export function providerKeyOf(channelId: string | Types.ObjectId, providerMessageId: string): string {
  return `${String(channelId)}:${providerMessageId}`;
}
