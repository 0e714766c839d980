import type { Types } from 'mongoose';
import { openThreadKey } from '../domain/conversation.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ConversationDoc } from '../store/models/conversation.js';

export interface NewConversationOptions {
  /** Thread-scoped channels: a key of the thread instead of the (channel, contact) pair. */
  threadKey?: string;
  subject?: string;
  previousConversationId?: Types.ObjectId;
}

/**
 * The single open conversation of (channel, contact) — or of one thread, on thread-scoped
 * channels — created atomically when there is none. `created` is true for the message that
 * opened it, also when its job runs again after a crash.
 */
export async function openConversationFor(
  store: Store,
  channel: ChannelDoc,
  contactId: Types.ObjectId,
  providerKey: string,
  options: NewConversationOptions = {},
): Promise<{ conversation: ConversationDoc; created: boolean }> {
  const openThread = options.threadKey ?? openThreadKey(String(channel._id), String(contactId));
  for (let attempt = 1; ; attempt++) {
    try {
      const conversation = await store.conversations
        .findOneAndUpdate(
          { openThread },
          {
            $setOnInsert: {
              workspaceId: channel.workspaceId,
              channelId: channel._id,
              contactId,
              status: 'queued',
              firstProviderKey: providerKey,
              threadKey: openThread,
              ...(options.subject !== undefined && { subject: options.subject }),
              ...(options.previousConversationId && { previousConversationId: options.previousConversationId }),
            },
          },
          { upsert: true, returnDocument: 'after' },
        )
        .lean();
      return { conversation, created: conversation.firstProviderKey === providerKey };
    } catch (err) {
      if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
    }
  }
}
