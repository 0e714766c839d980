import type { Types } from 'mongoose';
import { messageText, type AutomationFacts, type ConversationFacts } from '../domain/automation.js';
import type { Store } from '../store/index.js';
import type { ContactDoc } from '../store/models/contact.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { MessageDoc } from '../store/models/message.js';

/** The facts of an event that rules do not change: its message, the contact, the channel type. */
export interface EventFacts {
  message?: MessageDoc;
  contact?: ContactDoc | null;
  channelType?: string;
}

/**
 * Reads what conditions look at. The message is the event's own (message.received), else the
 * conversation's latest inbound one, so a rule on any trigger knows what the customer last
 * wrote and whether it was automatic mail.
 */
export async function loadEventFacts(store: Store, conversation: ConversationDoc, messageId?: string): Promise<EventFacts> {
  const [message, contact, channel] = await Promise.all([
    messageId
      ? store.messages.findOne({ _id: messageId, conversationId: conversation._id }).lean()
      : store.messages.findOne({ conversationId: conversation._id, direction: 'inbound' }).sort({ _id: -1 }).lean(),
    store.contacts.findOne({ _id: conversation.contactId, workspaceId: conversation.workspaceId }).lean(),
    store.channels.findById(conversation.channelId, { type: 1 }).lean(),
  ]);
  return { ...(message && { message }), contact, channelType: channel?.type };
}

/** The facts of the conversation as it is now (an earlier rule may have changed it). */
export function factsOf(event: EventFacts, conversation: ConversationDoc): AutomationFacts {
  const { message, contact } = event;
  return {
    ...(message && {
      message: {
        text: messageText(message.content),
        ...(message.content.type === 'email' && { subject: message.content.subject }),
        type: message.type,
        direction: message.direction,
        author: message.author,
        automatic: message.content.type === 'email' && message.content.automatic,
      },
    }),
    ...(contact && { contact: { name: contact.name, email: contact.email, phone: contact.phone, attributes: contact.attributes ?? {} } }),
    conversation: conversationFacts(conversation, event.channelType),
  };
}

const idOf = (id: Types.ObjectId | undefined) => (id ? String(id) : undefined);

function conversationFacts(c: ConversationDoc, channelType: string | undefined): ConversationFacts {
  return {
    status: c.status,
    channelId: String(c.channelId),
    channelType,
    tags: c.tags ?? [],
    priority: c.priority ?? 'normal',
    queueId: idOf(c.queueId),
    assigneeId: idOf(c.assigneeId),
    unreadCount: c.unreadCount ?? 0,
    archived: c.archived === true,
    subject: c.subject,
  };
}
