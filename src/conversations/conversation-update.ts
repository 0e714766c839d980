import { createHash } from 'node:crypto';
import type { Types, UpdateQuery } from 'mongoose';
import { notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import { conversationToApi } from '../representation/public-records.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';

/** Fields an agent organizes a conversation by; their changes never touch the lifecycle. */
export type OrganizingField = 'tags' | 'labelIds' | 'priority' | 'archived' | 'unreadCount' | 'lastReadAt';

/**
 * Applies an update of just the given fields (`$addToSet`, `$pull`, `$set` of those fields, never
 * a whole-document write) and emits `conversation.updated` when one of them really changed. The
 * event key is the conversation, the changed fields, their new values and the time, so the same
 * change is one event and a change back and forth is two.
 */
export async function updateConversation(
  deps: { store: Store; outbox: Outbox },
  workspaceId: Types.ObjectId,
  conversationId: string,
  fields: readonly OrganizingField[],
  update: UpdateQuery<ConversationDoc>,
): Promise<ConversationDoc> {
  const { store, outbox } = deps;
  const before = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
  if (!before) throw notFound('Conversation');
  const after = await store.conversations.findOneAndUpdate({ _id: before._id, workspaceId }, update, { returnDocument: 'after' }).lean();
  if (!after) throw notFound('Conversation');
  const valuesOf = (c: ConversationDoc) => fields.map((f) => JSON.stringify(c[f] ?? null));
  const was = valuesOf(before);
  const now = valuesOf(after);
  const changed = fields.filter((_, i) => was[i] !== now[i]);
  if (changed.length > 0) {
    const digest = createHash('sha256').update(now.join('\n')).digest('hex').slice(0, 16);
    await outbox.emit({
      type: 'conversation.updated',
      workspaceId,
      key: `${String(after._id)}-${changed.join('-')}-${after.updatedAt.getTime()}-${digest}`,
      conversationId: after._id,
      data: { conversation: conversationToApi(after), changed },
    });
  }
  return after;
}
