/** The API's records as the console reads them (the OpenAPI document's schemas, the parts used here). */
import type { AgentStatus } from '../../src/domain/agent.js';
import type { HandoffActor, HandoffReason } from '../../src/domain/ai-agent.js';
import type { ConversationPriority, ConversationStatus } from '../../src/domain/conversation.js';
import type { MessageContent } from '../../src/domain/message.js';

export type { AgentStatus, ConversationPriority, ConversationStatus, HandoffReason, MessageContent };

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ReplyState {
  canReply: boolean;
  windowExpiresAt: string | null;
  otherwise: 'template' | 'tag' | null;
  tags?: { tag: string; until: string | null }[];
}

export interface Conversation {
  id: string;
  channelId: string;
  contactId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  queueId: string | null;
  transfers: { toAgentId: string | null; toQueueId: string | null; fromAgentId: string | null; note: string | null; at: string }[];
  archived: boolean;
  /** Agent replies: null when the AI agent never took part. */
  aiAgent: { replies: boolean; changedAt: string; handoff: { at: string; reason: HandoffReason; actor: HandoffActor; note: string | null } | null } | null;
  tags: string[];
  labelIds: string[];
  priority: ConversationPriority;
  unreadCount: number;
  snoozedUntil: string | null;
  ticket: { reference: string | null } | null;
  lastMessageAt: string | null;
  createdAt: string;
  reply?: ReplyState;
}

export interface ConversationDetail extends Conversation {
  queuePosition: number | null;
  messages: Page<Message>;
}

export type DeliveryStatus = 'received' | 'queued' | 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Message {
  id: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  author: string;
  /** Written by the AI agent. */
  aiAgent: boolean;
  internal: boolean;
  type: MessageContent['type'];
  content: MessageContent;
  status: DeliveryStatus;
  providerMessageId: string | null;
  replyToProviderMessageId: string | null;
  error: { code?: string; message?: string } | null;
  tag: string | null;
  createdAt: string;
}

export interface Agent {
  id: string;
  name: string;
  email: string;
  role: string;
  status: AgentStatus;
  capacity: number;
  apiKeyId: string | null;
  load?: number;
}

export interface Me {
  workspaceId: string;
  apiKeyId: string;
  role: 'admin' | 'agent' | 'automation';
  agent: Agent | null;
}

export interface Channel {
  id: string;
  type: string;
  name: string;
  webhookUrl: string | null;
  state?: string;
}

export interface Queue {
  id: string;
  name: string;
}

export interface Label {
  id: string;
  name: string;
  color?: string | null;
}

export interface Contact {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  attributes: Record<string, unknown>;
}

export interface ContactDetail extends Contact {
  identities: { channelId: string; externalId: string; displayName: string | null }[];
  conversations: Page<Conversation>;
}

export interface Template {
  id: string;
  name: string;
  language: string;
  status: string;
  components: { type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS'; text?: string; format?: string }[];
}

export interface CannedResponse {
  id: string;
  shortcut: string;
  title: string;
  text: string;
}

/** A frame of /v1/realtime. */
export interface FeedFrame {
  id?: string | null;
  type: string;
  conversationId?: string;
  data?: Record<string, unknown>;
  lastEventId?: string;
  error?: { code: string; message: string };
}
