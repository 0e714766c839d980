import type { Types } from 'mongoose';
import { isOpen } from '../domain/conversation.js';
import type { EmailThreadHeaders } from '../domain/message.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { providerKeyOf } from '../store/models/message.js';
import { openConversationFor } from './open-conversation.js';

/** The openThread key of the email thread started by the message stored under `providerKey`. */
export function emailThreadKey(channelId: Types.ObjectId, providerKey: string): string {
  return `${String(channelId)}:thread:${providerKey}`;
}

/**
 * The conversation of an email thread. A reply joins the conversation of the message it
 * answers: In-Reply-To first, then References from the newest back (our own sent messages are
 * stored under the Message-IDs we gave them, so replies to us match the same way), and only
 * when the sender is that conversation's contact. Anything else starts a new conversation; a
 * reply to an ended one starts a new conversation linked to it, unless `reopen` (the workspace's
 * lifecycle rule) opens the ended one again.
 */
export async function threadConversationFor(
  store: Store,
  channel: ChannelDoc,
  contactId: Types.ObjectId,
  providerKey: string,
  thread: EmailThreadHeaders | undefined,
  subject: string | undefined,
  reopen?: (ended: ConversationDoc) => Promise<ConversationDoc | undefined>,
): Promise<{ conversation: ConversationDoc; created: boolean }> {
  const parentIds = [thread?.inReplyTo, ...[...(thread?.references ?? [])].reverse()].filter((id): id is string => Boolean(id));
  let previous: ConversationDoc | undefined;
  if (parentIds.length > 0) {
    const keys = parentIds.map((id) => providerKeyOf(channel._id, id));
    const related = await store.messages.find({ providerKey: { $in: keys } }, { providerKey: 1, conversationId: 1, contactId: 1 }).lean();
    const match = keys.map((k) => related.find((m) => m.providerKey === k)).find((m) => m?.contactId.equals(contactId));
    const conversation = match && (await store.conversations.findById(match.conversationId).lean());
    if (conversation && isOpen(conversation.status)) return { conversation, created: false };
    const reopened = conversation && reopen && (await reopen(conversation));
    if (reopened) return { conversation: reopened, created: false };
    previous = conversation ?? undefined;
  }
  return openConversationFor(store, channel, contactId, providerKey, {
    threadKey: emailThreadKey(channel._id, providerKey),
    subject,
    previousConversationId: previous?._id,
  });
}
