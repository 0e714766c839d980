import type { Types } from 'mongoose';
import { mediaOf } from '../domain/message.js';
import { notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { LiveFeedPublisher } from '../live-feed/publisher.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { MessageDoc } from '../store/models/message.js';
import type { ConversationTimers } from './conversation-timers.js';

/** Messages are removed this many at a time, so a long conversation never sits in memory whole. */
const BATCH = 200;

export interface DeletionResult {
  deleted: true;
  /** Messages (internal notes included) and stored media files removed by this request. */
  messages: number;
  media: number;
}

/**
 * Deletes a conversation for good: its messages, their stored media and the provider requests
 * they came in, its transitions, the agent slot it held, its timers, and every other copy of its
 * words: its events and their webhook deliveries, the API answers kept for idempotency, its
 * satisfaction surveys and ratings. (Search reads the messages themselves.) Without transactions a crash can stop it midway, so the order
 * makes a repeated DELETE finish the job: first the conversation gives up its open slot (the
 * contact's next message opens a new conversation) and leaves the default list, then the
 * children go, and the conversation record itself goes last.
 */
export class ConversationDeleter {
  constructor(
    private readonly deps: { store: Store; outbox: Outbox; timers: Pick<ConversationTimers, 'cancel'>; liveFeed: Pick<LiveFeedPublisher, 'forgetConversation'> },
  ) {}

  async delete(workspaceId: Types.ObjectId, conversationId: string): Promise<DeletionResult> {
    const { store, outbox } = this.deps;
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!conversation) throw notFound('Conversation');
    await store.conversations.updateOne({ _id: conversation._id }, { $set: { archived: true }, $unset: { openThread: '' } });
    // A timer that escapes (running now) finds the conversation gone and does nothing.
    await this.deps.timers.cancel(String(conversation._id));
    if (conversation.assignedSlot) await store.agentSlots.deleteOne({ _id: conversation.assignedSlot, conversationId: conversation._id });
    const removed = await this.deleteMessages(conversation);
    await this.deleteCopies(conversation);
    await this.deps.liveFeed.forgetConversation(String(workspaceId), String(conversation._id));
    // Emitted before the record goes: a crash in between re-emits the same event on the repeat.
    await outbox.emit({
      type: 'conversation.deleted',
      workspaceId,
      key: String(conversation._id),
      conversationId: conversation._id,
      data: { conversationId: String(conversation._id), channelId: String(conversation.channelId), contactId: String(conversation.contactId), ...removed },
    });
    await store.conversations.deleteOne({ _id: conversation._id });
    return { deleted: true, ...removed };
  }

  private async deleteMessages(c: ConversationDoc): Promise<{ messages: number; media: number }> {
    const { store } = this.deps;
    let messages = 0;
    let media = 0;
    for (;;) {
      const batch = await store.messages.find({ conversationId: c._id }).sort({ _id: 1 }).limit(BATCH).lean();
      if (batch.length === 0) return { messages, media };
      for (const message of batch) media += await this.deleteMedia(message);
      const ids = batch.map((m) => m._id);
      // Before the messages that name them, so a repeated DELETE still finds them.
      const rawEventIds = batch.flatMap((m) => (m.rawEventId ? [m.rawEventId] : []));
      if (rawEventIds.length > 0) await store.rawEvents.deleteMany({ _id: { $in: rawEventIds } });
      await store.messageTransitions.deleteMany({ messageId: { $in: ids } });
      messages += (await store.messages.deleteMany({ _id: { $in: ids } })).deletedCount;
    }
  }

  /** What else holds the conversation's words; its own conversation.deleted event stays, to be announced. */
  private async deleteCopies(c: ConversationDoc): Promise<void> {
    const { store } = this.deps;
    const conversationId = c._id;
    // Events before their deliveries: a fan-out running now writes deliveries before it marks its
    // events, so either it finds its events gone and removes its deliveries unqueued, or the
    // deliveries it wrote are there for the second delete (src/webhooks/dispatcher.ts).
    await store.events.deleteMany({ conversationId, type: { $ne: 'conversation.deleted' } });
    await Promise.all([
      store.conversationTransitions.deleteMany({ conversationId }),
      store.webhookDeliveries.deleteMany({ conversationId, eventType: { $ne: 'conversation.deleted' } }),
      store.idempotencyRecords.deleteMany({ conversationId: String(conversationId) }),
      store.csatRequests.deleteMany({ conversationId }),
      store.csatRatings.deleteMany({ conversationId }),
      // A released mail's quarantine record names its sender and subject.
      store.quarantinedMail.deleteMany({ conversationId }),
    ]);
  }

  /**
   * The stored files of one message. Inbound media was fetched for that message alone; an
   * uploaded file an agent sent may also be used by a message elsewhere, and then it stays.
   */
  private async deleteMedia(message: MessageDoc): Promise<number> {
    const { store } = this.deps;
    let removed = 0;
    for (const ref of mediaOf(message.content)) {
      const storedId = ref.storedId;
      if (!storedId) continue;
      if (message.direction === 'outbound' && (await this.usedElsewhere(message, storedId))) continue;
      if (!(await store.media.info(storedId, String(message.workspaceId)))) continue; // gone already: a repeated DELETE
      try {
        await store.media.delete(storedId);
      } catch (err) {
        // Removed all the same when the error came after the write (a lost answer, a concurrent DELETE).
        if (await store.media.info(storedId, String(message.workspaceId))) throw err;
      }
      removed++;
    }
    return removed;
  }

  private async usedElsewhere(message: MessageDoc, storedId: string): Promise<boolean> {
    const filter = { workspaceId: message.workspaceId, conversationId: { $ne: message.conversationId } };
    const found = await this.deps.store.messages.exists({ ...filter, $or: [{ 'content.media.storedId': storedId }, { 'content.attachments.storedId': storedId }] });
    return found !== null;
  }
}
