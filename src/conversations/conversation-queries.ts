import type { Types } from 'mongoose';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Clock } from '../clock.js';
import type { ConversationPriority, ConversationStatus } from '../domain/conversation.js';
import { replyWindow } from '../domain/send-policy.js';
import { notFound } from '../errors.js';
import { windowRuleOf } from '../channels/window-rule.js';
import { conversationToApi } from '../representation/public-records.js';
import { conversationMatch } from '../search/text-search.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { MessageDoc } from '../store/models/message.js';
import { newestFirst, type PageRequest } from '../store/workspace-records.js';
import { loadTranscript, type Transcript } from './transcript.js';

/** Which conversations a list holds; every criterion given must hold. */
export interface ConversationListRequest extends PageRequest {
  status?: ConversationStatus[];
  channelId?: string;
  queueId?: string;
  /** An agent's id, or `none`: nobody assigned. */
  assigneeId?: string;
  /** All of them. */
  tags?: string[];
  labelId?: string;
  contactId?: string;
  priority?: ConversationPriority[];
  /** true: customer messages since it was last marked read; false: none. */
  unread?: boolean;
  /** true lists only archived conversations, false only the others. */
  archived: boolean;
  /** ISO date-times: created at or after `createdFrom`, before `createdTo`. */
  createdFrom?: string;
  createdTo?: string;
  /** Text in a message or the contact's name, email or phone (see conversationMatch). */
  q?: string;
}

/** The caller's conversation; another workspace's is a 404 like a missing one. */
export async function findConversation(store: Store, workspaceId: Types.ObjectId, id: string): Promise<ConversationDoc> {
  const c = await store.conversations.findOne({ _id: id, workspaceId }).lean();
  if (!c) throw notFound('Conversation');
  return c;
}

/** Conversations and their messages as the API reads them; changes are other services'. */
export class ConversationQueries {
  constructor(private readonly deps: { store: Store; connectors: Pick<ConnectorRegistry, 'get'>; clock: Clock }) {}

  get(workspaceId: Types.ObjectId, id: string): Promise<ConversationDoc> {
    return findConversation(this.deps.store, workspaceId, id);
  }

  /** Newest first, `limit + 1` of them (see newestFirst). */
  async list(workspaceId: Types.ObjectId, request: ConversationListRequest): Promise<ConversationDoc[]> {
    return newestFirst(this.deps.store.conversations, await this.filterOf(workspaceId, request), request);
  }

  /** A conversation's messages (internal notes included), newest first, `limit + 1` of them. */
  messages(conversation: ConversationDoc, page: PageRequest): Promise<MessageDoc[]> {
    return newestFirst(this.deps.store.messages, { conversationId: conversation._id }, page);
  }

  /** The provider's id of a message of the conversation, what a reply quotes; undefined when there is none. */
  async providerMessageId(workspaceId: Types.ObjectId, conversationId: string, messageId: string): Promise<string | undefined> {
    return (await this.deps.store.messages.findOne({ _id: messageId, workspaceId, conversationId }).lean())?.providerMessageId;
  }

  /** The whole conversation, oldest first; without `notes` the internal notes are left out, e.g. for a copy the customer gets. */
  async transcript(workspaceId: Types.ObjectId, id: string, opts: { notes: boolean }): Promise<Transcript> {
    const full = await loadTranscript(this.deps.store, await this.get(workspaceId, id));
    return opts.notes ? full : { ...full, messages: full.messages.filter((m) => !m.internal) };
  }

  /** The conversation as the API shows it, with what may be sent now. */
  async withWindow(c: ConversationDoc) {
    const { store, connectors, clock } = this.deps;
    const channel = await store.channels.findById(c.channelId).lean();
    const connector = channel && connectors.get(channel.type);
    const window = connector ? replyWindow(windowRuleOf(connector, channel.settings), c.lastInboundAt, clock.now()) : undefined;
    return conversationToApi(c, window);
  }

  private async filterOf(workspaceId: Types.ObjectId, r: ConversationListRequest) {
    return {
      workspaceId,
      ...(r.status && { status: { $in: r.status } }),
      ...(r.channelId && { channelId: r.channelId }),
      ...(r.queueId && { queueId: r.queueId }),
      // Nobody assigned: never assigned, or unassigned back to queued (the field is removed then).
      ...(r.assigneeId && { assigneeId: r.assigneeId === 'none' ? null : r.assigneeId }),
      ...(r.tags && { tags: { $all: r.tags } }),
      ...(r.labelId && { labelIds: r.labelId }),
      ...(r.contactId && { contactId: r.contactId }),
      ...(r.priority && { priority: { $in: r.priority } }),
      // Stored before the flags existed means not unread, not archived: hence $ne rather than false.
      ...(r.unread !== undefined && { unreadCount: r.unread ? { $gt: 0 } : { $not: { $gt: 0 } } }),
      archived: r.archived ? true : { $ne: true },
      ...((r.createdFrom || r.createdTo) && {
        createdAt: { ...(r.createdFrom && { $gte: new Date(r.createdFrom) }), ...(r.createdTo && { $lt: new Date(r.createdTo) }) },
      }),
      ...(r.q && (await conversationMatch(this.deps.store, workspaceId, r.q))),
    };
  }
}
