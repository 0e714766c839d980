import type { MessageDoc } from '../../src/store/models/message.js';
import { conversationToApi, messageToApi } from '../../src/representation/public-records.js';
import type { Harness } from './harness.js';

/**
 * An out-of-office reply stored in a conversation as ingest stores automatic email, and its
 * `message.received` emitted: what reactions (rules, the AI agent) must leave unanswered.
 */
export async function storeAutomaticReply(h: Harness, conversationId: string): Promise<MessageDoc> {
  const conversation = (await h.ctx.store.conversations.findById(conversationId).lean())!;
  const autoReply = await h.ctx.store.messages.create({
    workspaceId: conversation.workspaceId,
    channelId: conversation.channelId,
    conversationId: conversation._id,
    contactId: conversation.contactId,
    direction: 'inbound',
    author: 'contact',
    type: 'email',
    content: { type: 'email', subject: 'Out of office', text: 'I am away', newText: 'I am away', from: 'a@x.test', to: [], cc: [], attachments: [], automatic: true },
    status: 'delivered',
  });
  await h.ctx.outbox.emit({
    type: 'message.received',
    workspaceId: conversation.workspaceId,
    key: String(autoReply._id),
    conversationId: conversation._id,
    data: { message: messageToApi(autoReply.toObject()), conversation: conversationToApi(conversation) },
  });
  return autoReply.toObject();
}
