import { Schema, type Types } from 'mongoose';
import { HANDOFF_REASONS, type HandoffActor, type HandoffReason } from '../../domain/ai-agent.js';
import { CONVERSATION_PRIORITIES, CONVERSATION_STATUSES, type ConversationPriority, type ConversationStatus } from '../../domain/conversation.js';

export interface ConversationTransfer {
  toAgentId?: Types.ObjectId;
  toQueueId?: Types.ObjectId;
  fromAgentId?: Types.ObjectId;
  note?: string;
  at: Date;
}

/** What a helpdesk answered to `conversation.escalated`: its ticket for this conversation. */
export interface ConversationTicket {
  reference: string;
  subscriptionId: Types.ObjectId;
  at: Date;
}

/** Agent replies (src/ai-agent/): whether the AI agent answers the customer, and its last handoff to people. */
export interface ConversationAiAgent {
  replies: boolean;
  changedAt: Date;
  /** Which period of Agent replies this is: 1, then one more each time they turn on again; a handoff ends exactly one. */
  period: number;
  handoff?: { at: Date; reason: HandoffReason; actor: HandoffActor; note?: string };
}

export interface ConversationDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  contactId: Types.ObjectId;
  status: ConversationStatus;
  /** Present only while open; see openThreadKey. */
  openThread?: string;
  /** The key it holds while open (chat: channel + contact, email: its thread): reopening sets it again. */
  threadKey?: string;
  /** The provider id of the message that opened it: tells a re-run job it created this one. */
  firstProviderKey?: string;
  /**
   * Set only on a conversation created closed to hold history (src/conversations/history-conversation.ts):
   * the (channel, contact) pair's key, unique, so a pair never gets two.
   */
  historyKey?: string;
  /** The contact's last message (provider time); the messaging window runs from it. */
  lastInboundAt?: Date;
  /** The contact's last message on any channel, windowed or not; inactivity timers count from it. */
  lastCustomerMessageAt?: Date;
  /** Email: the thread's subject; replies go out as "Re: <subject>". */
  subject?: string;
  /** The ended conversation a customer's reply came back to (that one stays ended). */
  previousConversationId?: Types.ObjectId;
  lastMessageAt?: Date;
  statusChangedAt?: Date;
  snoozedUntil?: Date;
  /** The status a snoozed conversation wakes back to. */
  snoozedFrom?: ConversationStatus;
  resolvedAt?: Date;
  closedAt?: Date;
  /** The agent it is assigned to; kept when it ends (who handled it), cleared when it goes back to queued. */
  assigneeId?: Types.ObjectId;
  /** The agent_slots record the assignment holds; set while it holds one, cleared when freed. */
  assignedSlot?: string;
  /** Its last change could not schedule its lifecycle timer (Redis away): the minute's sweep does. */
  timerOwed?: boolean;
  /** The routing queue it landed in (src/routing/conversation-router.ts); set once when routed, changed by a transfer. */
  queueId?: Types.ObjectId;
  /** Transfers, oldest first, with the note left for whoever takes it over. */
  transfers?: ConversationTransfer[];
  /** Free-form tags (lower-case), set by agents and automation rules. */
  tags: string[];
  /** Workspace-defined labels applied to it. */
  labelIds: Types.ObjectId[];
  priority: ConversationPriority;
  /** Customer messages since an agent last marked it read. */
  unreadCount: number;
  lastReadAt?: Date;
  /** The first reply by an agent or automation: first response time counts to it. */
  firstResponseAt?: Date;
  /** Set by escalation when the helpdesk answers with its ticket reference. */
  ticket?: ConversationTicket;
  /** Hidden from the default conversation list; independent of the status. */
  archived: boolean;
  /** Absent: the AI agent never took part. */
  aiAgent?: ConversationAiAgent;
  /**
   * Incremented by every status change and every customer message: timer jobs carry the value
   * they were scheduled for and do nothing once it has moved on.
   */
  lifecycleVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export const conversationSchema = new Schema<ConversationDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  channelId: { type: Schema.Types.ObjectId, required: true },
  contactId: { type: Schema.Types.ObjectId, required: true },
  status: { type: String, enum: CONVERSATION_STATUSES, required: true },
  openThread: String,
  threadKey: String,
  firstProviderKey: String,
  historyKey: String,
  lastInboundAt: Date,
  lastCustomerMessageAt: Date,
  subject: String,
  previousConversationId: Schema.Types.ObjectId,
  lastMessageAt: Date,
  statusChangedAt: Date,
  snoozedUntil: Date,
  snoozedFrom: { type: String, enum: CONVERSATION_STATUSES },
  resolvedAt: Date,
  closedAt: Date,
  assigneeId: Schema.Types.ObjectId,
  assignedSlot: String,
  timerOwed: Boolean,
  queueId: Schema.Types.ObjectId,
  transfers: {
    type: [new Schema({ toAgentId: Schema.Types.ObjectId, toQueueId: Schema.Types.ObjectId, fromAgentId: Schema.Types.ObjectId, note: String, at: Date }, { _id: false })],
    default: [],
  },
  tags: { type: [String], default: [] },
  labelIds: { type: [Schema.Types.ObjectId], default: [] },
  priority: { type: String, enum: CONVERSATION_PRIORITIES, default: 'normal' },
  unreadCount: { type: Number, default: 0 },
  lastReadAt: Date,
  firstResponseAt: Date,
  ticket: new Schema({ reference: String, subscriptionId: Schema.Types.ObjectId, at: Date }, { _id: false }),
  archived: { type: Boolean, default: false },
  aiAgent: new Schema(
    {
      replies: Boolean,
      changedAt: Date,
      period: Number,
      handoff: new Schema({ at: Date, reason: { type: String, enum: HANDOFF_REASONS }, actor: String, note: String }, { _id: false }),
    },
    { _id: false },
  ),
  lifecycleVersion: { type: Number, default: 0 },
});
conversationSchema.index({ openThread: 1 }, { unique: true, sparse: true });
conversationSchema.index({ historyKey: 1 }, { unique: true, sparse: true });
conversationSchema.index({ timerOwed: 1 }, { sparse: true });
conversationSchema.index({ workspaceId: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, status: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, channelId: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, contactId: 1, _id: -1 });
conversationSchema.index({ workspaceId: 1, assigneeId: 1, _id: -1 });
// Queue positions and "oldest queued of a queue" read this.
conversationSchema.index({ workspaceId: 1, queueId: 1, status: 1, createdAt: 1 });
// Analytics: conversations of a workspace created in a range, and resolved in a day.
conversationSchema.index({ workspaceId: 1, createdAt: 1 });
conversationSchema.index({ workspaceId: 1, resolvedAt: 1 });
// Start-up recovery re-schedules the timers of every conversation in a timed status.
conversationSchema.index({ status: 1 });
