import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';

/** Counting stops here: a conversation this far behind shows "1000+", and the count stays cheap. */
export const UNREAD_COUNT_CAP = 1000;

/**
 * Sets `unreadCount` from the messages themselves: the customer's messages stored after
 * `lastReadAt` (history of another app's conversation, `standby`, is never unread). Ingest counts
 * a new message in its conversation write (MessageIngest); this runs when a message is delivered
 * again (rare), so a re-run job never counts a message twice and one
 * that crashed before counting is counted now. The write is
 * conditional on the `lastReadAt` the count was made for (a count from before "mark read" is
 * thrown away and made again) and `$max` keeps the larger of two concurrent counts.
 */
export async function refreshUnread(store: Store, conversation: ConversationDoc): Promise<ConversationDoc> {
  let current = conversation;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const lastReadAt = current.lastReadAt ?? null;
    const count = await store.messages.countDocuments(
      { conversationId: current._id, author: 'contact', type: { $ne: 'system' }, standby: { $ne: true }, ...(lastReadAt && { createdAt: { $gt: lastReadAt } }) },
      { limit: UNREAD_COUNT_CAP },
    );
    const updated = await store.conversations
      .findOneAndUpdate(
        { _id: current._id, lastReadAt },
        { $max: { unreadCount: count } },
        { returnDocument: 'after', timestamps: false },
      )
      .lean();
    if (updated) return updated;
    const reread = await store.conversations.findById(current._id).lean();
    if (!reread) return current;
    current = reread;
  }
  return current;
}

/** "Mark read": nothing of the customer's is unread as of now. */
export function markReadUpdate(now: Date) {
  return { $set: { unreadCount: 0, lastReadAt: now } };
}
