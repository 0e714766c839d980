import type { Types } from 'mongoose';
import type { Outbox } from '../events/outbox.js';
import { conversationToApi, messageToApi } from '../representation/public-records.js';
import type { Store } from '../store/index.js';
import type { MessageDoc } from '../store/models/message.js';
import { findConversation } from './conversation-queries.js';

/**
 * Internal notes: messages agents see in the conversation and that are never sent to the
 * customer. A note is stored like an agent's message but never goes near the send path: no
 * policy check, no send job, and a status (`sent`, with no sentAt) that neither the send worker
 * nor start-up recovery picks up. It is announced as message.note_added, never as message.sent.
 */
export class ConversationNotes {
  constructor(private readonly deps: { store: Store; outbox: Outbox }) {}

  /** `sentBy` is the API key that wrote it. */
  async add(workspaceId: Types.ObjectId, conversationId: string, note: { text: string; sentBy: Types.ObjectId }): Promise<MessageDoc> {
    const { store, outbox } = this.deps;
    const conversation = await findConversation(store, workspaceId, conversationId);
    const created = await store.messages.create({
      workspaceId,
      channelId: conversation.channelId,
      conversationId: conversation._id,
      contactId: conversation.contactId,
      direction: 'outbound',
      author: 'agent',
      internal: true,
      type: 'text',
      content: { type: 'text', text: note.text },
      status: 'sent',
      sentBy: note.sentBy,
    });
    const stored = created.toObject();
    await outbox.emit({
      type: 'message.note_added',
      workspaceId,
      key: String(stored._id),
      conversationId: conversation._id,
      data: { message: messageToApi(stored), conversation: conversationToApi(conversation) },
    });
    return stored;
  }
}
