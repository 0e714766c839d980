import type { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { LifecycleService } from '../conversations/lifecycle-service.js';
import { openThreadKey } from '../domain/conversation.js';
import { conflict, isDuplicateKeyError, notFound, unprocessable } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import { contactToApi } from '../representation/public-records.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { ContactDoc } from '../store/models/contact.js';
import type { ConversationDoc } from '../store/models/conversation.js';

export interface MergeResult {
  contact: ContactDoc;
  mergedContactId: string;
  /** What moved over from the merged contact: how many identities and messages, which conversations. */
  identities: number;
  conversationIds: string[];
  messages: number;
  /**
   * The merged contact's open conversations on a channel where the kept contact had one open too:
   * one contact has one open conversation per channel, so these were resolved (the kept
   * contact's stays open and receives the next messages), then moved like the others.
   */
  resolvedConversationIds: string[];
}

/**
 * Merges one contact (the source) into another (the target), which is kept: identities,
 * conversations and messages move over, missing name, email, phone and attributes are filled in
 * from the source, and the source is removed last. Every step is an idempotent update, so a
 * merge that stopped midway is finished by asking again (the source still exists until then).
 */
export class ContactMerger {
  constructor(private readonly deps: { store: Store; lifecycle: LifecycleService; outbox: Outbox; clock: Clock }) {}

  async merge(workspaceId: Types.ObjectId, targetId: string, sourceId: string): Promise<MergeResult> {
    const { store, outbox } = this.deps;
    if (targetId === sourceId) throw unprocessable('merge_same_contact', 'A contact cannot be merged with itself');
    const [target, source] = await Promise.all([store.contacts.findOne({ _id: targetId, workspaceId }).lean(), store.contacts.findOne({ _id: sourceId, workspaceId }).lean()]);
    if (!target || !source) throw notFound('Contact');
    await this.claimSource(workspaceId, source._id, target._id);
    // Identities first: from here on the source's channels resolve to the target, so no new
    // conversation of the source can appear behind the move below.
    const identities = await store.contactIdentities.updateMany({ workspaceId, contactId: source._id }, { $set: { contactId: target._id } });
    const { moved, resolved } = await this.moveConversations(workspaceId, source._id, target._id);
    const messages = await store.messages.updateMany({ workspaceId, contactId: source._id }, { $set: { contactId: target._id } });
    const contact = (await store.contacts.findOneAndUpdate({ _id: target._id, workspaceId }, { $set: filledIn(target, source) }, { returnDocument: 'after' }).lean()) ?? target;
    const result: MergeResult = {
      contact,
      mergedContactId: String(source._id),
      identities: identities.modifiedCount,
      conversationIds: moved,
      messages: messages.modifiedCount,
      resolvedConversationIds: resolved,
    };
    await outbox.emit({
      type: 'contact.merged',
      workspaceId,
      key: `${String(target._id)}-${String(source._id)}`,
      data: { ...result, contact: contactToApi(contact) },
    });
    await store.contacts.deleteOne({ _id: source._id, workspaceId });
    return result;
  }

  /**
   * Claims the source for this merge (src/store/models/contact-merge.ts). Asking again for the
   * same merge finds its own claim and goes on; merging the source into another contact, or into
   * one that is itself being merged away, is a 409 until that merge is finished.
   */
  private async claimSource(workspaceId: Types.ObjectId, sourceId: Types.ObjectId, targetId: Types.ObjectId): Promise<void> {
    const { store, clock } = this.deps;
    const claimed = await claimOnce(store.contactMerges, { _id: String(sourceId), workspaceId, intoContactId: targetId, at: clock.now() });
    if (!claimed && !(await store.contactMerges.findById(String(sourceId)).lean())?.intoContactId.equals(targetId)) {
      throw conflict('merge_in_progress', 'This contact is being merged into another contact; repeat that merge to finish it');
    }
    // Checked after claiming: of two opposite merges, at least one sees the other's claim.
    if (await store.contactMerges.exists({ _id: String(targetId) })) {
      if (claimed) await releaseClaim(store.contactMerges, String(sourceId));
      throw conflict('merge_in_progress', 'The contact to keep is being merged into another contact; repeat that merge to finish it');
    }
  }

  private async moveConversations(workspaceId: Types.ObjectId, sourceId: Types.ObjectId, targetId: Types.ObjectId) {
    const conversations = await this.deps.store.conversations.find({ workspaceId, contactId: sourceId }).lean();
    const resolved: string[] = [];
    for (const c of conversations) {
      if (await this.moveConversation(c, sourceId, targetId)) resolved.push(String(c._id));
    }
    return { moved: conversations.map((c) => String(c._id)), resolved };
  }

  /**
   * Re-keys one conversation to the target. Chat conversations hold the (channel, contact) key;
   * email conversations hold their thread's key, which does not change. Returns true when it had
   * to be resolved because the target holds the channel's open slot.
   */
  private async moveConversation(c: ConversationDoc, sourceId: Types.ObjectId, targetId: Types.ObjectId): Promise<boolean> {
    const { store, lifecycle } = this.deps;
    const sourceKey = openThreadKey(String(c.channelId), String(sourceId));
    const targetKey = openThreadKey(String(c.channelId), String(targetId));
    let current = c;
    let resolved = false;
    for (let attempt = 1; ; attempt++) {
      const set = {
        contactId: targetId,
        ...(current.threadKey === sourceKey && { threadKey: targetKey }),
        ...(current.openThread === sourceKey && { openThread: targetKey }),
      };
      try {
        await store.conversations.updateOne({ _id: c._id }, { $set: set });
        return resolved;
      } catch (err) {
        // The target has an open conversation on this channel: it keeps the slot.
        if (!isDuplicateKeyError(err) || attempt >= 2) throw err;
        current = await lifecycle.changeStatus(c.workspaceId, c._id, 'resolved', { actor: 'agent' });
        resolved = true;
      }
    }
  }
}

/** The target's own values win; the source fills what the target lacks. */
function filledIn(target: ContactDoc, source: ContactDoc): Partial<ContactDoc> {
  return {
    ...(!target.name && source.name && { name: source.name }),
    ...(!target.email && source.email && { email: source.email }),
    ...(!target.phone && source.phone && { phone: source.phone }),
    attributes: { ...source.attributes, ...target.attributes },
  };
}
