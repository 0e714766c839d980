import type { Types } from 'mongoose';
import { openThreadKey } from '../domain/conversation.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ConversationDoc } from '../store/models/conversation.js';

/**
 * The conversation that history of (channel, contact) joins: traffic another app handled
 * (Messenger standby). It never changes a conversation's status, so it never opens one: it goes
 * to the pair's open conversation, else to its latest one, whatever its status. A pair without
 * any gets one created closed (at `at`, the message's time) to hold it, unique on `historyKey`;
 * the contact's next message to us then starts a new conversation linked to it.
 * `created` is true for the message the conversation was created for, also on a re-run.
 */
export async function historyConversationFor(
  store: Store,
  channel: ChannelDoc,
  contactId: Types.ObjectId,
  providerKey: string,
  at: Date,
): Promise<{ conversation: ConversationDoc; created: boolean }> {
  const pair = openThreadKey(String(channel._id), String(contactId));
  // The open one first: a history conversation created in a race with it may be the newer one.
  const existing =
    (await store.conversations.findOne({ openThread: pair }).lean()) ??
    (await store.conversations.findOne({ workspaceId: channel.workspaceId, contactId, channelId: channel._id }).sort({ _id: -1 }).lean());
  if (existing) return { conversation: existing, created: existing.firstProviderKey === providerKey };
  for (let attempt = 1; ; attempt++) {
    try {
      const conversation = await store.conversations
        .findOneAndUpdate(
          { historyKey: pair },
          {
            $setOnInsert: {
              workspaceId: channel.workspaceId,
              channelId: channel._id,
              contactId,
              status: 'closed',
              closedAt: at,
              firstProviderKey: providerKey,
              historyKey: pair,
            },
          },
          { upsert: true, returnDocument: 'after' },
        )
        .lean();
      return { conversation, created: conversation.firstProviderKey === providerKey };
    } catch (err) {
      // A concurrent upsert inserted it first: the next attempt finds it.
      if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
    }
  }
}
