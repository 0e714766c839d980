import type { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { ConversationPriority } from '../domain/conversation.js';
import { notFound, unprocessable } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { findConversation } from './conversation-queries.js';
import { updateConversation } from './conversation-update.js';
import { markReadUpdate } from './unread.js';

/** Tags a conversation carries at most; a longer list is a category system, which labels are for. */
export const MAX_TAGS = 50;

/**
 * How agents organize a conversation: tags, labels, priority, archiving, read state. Each change
 * is an $addToSet, $pull or $set of its own fields through updateConversation, so it is one
 * conversation.updated event when it really changed something, and never touches the lifecycle.
 */
export class ConversationOrganizer {
  constructor(private readonly deps: { store: Store; outbox: Outbox; clock: Clock }) {}

  /** Tags are taken as given (lower-cased and trimmed by the caller); adding one it has changes nothing. */
  async addTags(workspaceId: Types.ObjectId, id: string, tags: string[]): Promise<ConversationDoc> {
    const current = await findConversation(this.deps.store, workspaceId, id);
    // Checked before the write: two concurrent additions may pass it together and end a few over.
    const total = new Set([...(current.tags ?? []), ...tags]).size;
    if (total > MAX_TAGS) throw unprocessable('too_many_tags', `A conversation carries at most ${MAX_TAGS} tags`, { max: MAX_TAGS, wouldHave: total });
    return updateConversation(this.deps, workspaceId, id, ['tags'], { $addToSet: { tags: { $each: [...new Set(tags)] } } });
  }

  removeTag(workspaceId: Types.ObjectId, id: string, tag: string): Promise<ConversationDoc> {
    return updateConversation(this.deps, workspaceId, id, ['tags'], { $pull: { tags: tag } });
  }

  async applyLabel(workspaceId: Types.ObjectId, id: string, labelId: string): Promise<ConversationDoc> {
    await findConversation(this.deps.store, workspaceId, id);
    if (!(await this.isLabel(workspaceId, labelId))) throw unprocessable('label_not_found', 'labelId is not a label of this workspace');
    return updateConversation(this.deps, workspaceId, id, ['labelIds'], { $addToSet: { labelIds: labelId } });
  }

  async removeLabel(workspaceId: Types.ObjectId, id: string, labelId: string): Promise<ConversationDoc> {
    await findConversation(this.deps.store, workspaceId, id);
    if (!(await this.isLabel(workspaceId, labelId))) throw notFound('Label');
    return updateConversation(this.deps, workspaceId, id, ['labelIds'], { $pull: { labelIds: labelId } });
  }

  setPriority(workspaceId: Types.ObjectId, id: string, priority: ConversationPriority): Promise<ConversationDoc> {
    return updateConversation(this.deps, workspaceId, id, ['priority'], { $set: { priority } });
  }

  setArchived(workspaceId: Types.ObjectId, id: string, archived: boolean): Promise<ConversationDoc> {
    return updateConversation(this.deps, workspaceId, id, ['archived'], { $set: { archived } });
  }

  markRead(workspaceId: Types.ObjectId, id: string): Promise<ConversationDoc> {
    return updateConversation(this.deps, workspaceId, id, ['unreadCount', 'lastReadAt'], markReadUpdate(this.deps.clock.now()));
  }

  private async isLabel(workspaceId: Types.ObjectId, labelId: string): Promise<boolean> {
    return (await this.deps.store.labels.exists({ _id: labelId, workspaceId })) !== null;
  }
}
