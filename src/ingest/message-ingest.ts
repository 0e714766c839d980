import type { Types } from 'mongoose';
import type { ResolvedChannel } from '../channels/channel-service.js';
import { resolveIdentity } from '../contacts/contact-resolver.js';
import { moveToNewIdentity } from '../contacts/identity-change.js';
import type { LifecycleService } from '../conversations/lifecycle-service.js';
import { historyConversationFor } from '../conversations/history-conversation.js';
import { openConversationFor } from '../conversations/open-conversation.js';
import { threadConversationFor } from '../conversations/thread-conversation.js';
import { refreshUnread } from '../conversations/unread.js';
import { isOpen } from '../domain/conversation.js';
import type { InboundEvent } from '../domain/inbound-event.js';
import { mediaKindAt, mediaOf, type MessageContent } from '../domain/message.js';
import { windowRuleOf } from '../channels/window-rule.js';
import { insertOrFindWinner } from '../store/claim.js';
import type { Outbox } from '../events/outbox.js';
import { conversationToApi, messageToApi } from '../representation/public-records.js';
import { withSafeHtml } from '../representation/email-html.js';
import type { Queues } from '../jobs/queues.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { providerKeyOf, type MessageDoc } from '../store/models/message.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type EchoEvent = Extract<InboundEvent, { kind: 'echo' }>;

const MEDIA_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 2000 } } as const;

/**
 * Stores one inbound message: contact, the open conversation, the message (unique on channel +
 * provider id), the moved window, the events. Every step is idempotent, so a redelivered event
 * or a re-run job changes nothing and still makes sure the events exist.
 */
export class MessageIngest {
  constructor(
    private readonly store: Store,
    private readonly queues: Queues,
    private readonly outbox: Outbox,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** `rawEventId`: the recorded request it came in (a conversation's deletion erases it). */
  async ingest(channel: ResolvedChannel, event: MessageEvent, rawEventId: string): Promise<void> {
    const { doc } = channel;
    const providerKey = providerKeyOf(doc._id, event.providerMessageId);
    // A redelivery (or a re-run job) finds its message and only makes sure the events exist; it
    // must not open a conversation, even if the one it belongs to has ended since.
    const stored = await this.store.messages.findOne({ providerKey }).lean();
    if (stored) {
      const conversation = await this.store.conversations.findById(stored.conversationId).lean();
      // Counted again: a run that crashed after the insert counts the message now, never twice.
      if (conversation) await this.announce(stored, await refreshUnread(this.store, conversation), conversation.firstProviderKey === providerKey);
      await this.fetchMediaLater(stored);
      return;
    }
    const identity = await resolveIdentity(this.store, doc, event.from, event.timestamp);
    if (event.newIdentity) await moveToNewIdentity(this.store, doc, identity, event.newIdentity, event.timestamp);
    const { contactId } = identity;
    const { conversation, created } = await this.conversationFor(channel, event, contactId, providerKey);
    const withMedia = await this.storeInlineMedia(channel, event);
    // Mail's HTML is made safe once, here, for every path that shows the message (src/representation/email-html.ts).
    const content = withSafeHtml(withMedia.content);
    const { message, inserted } = await this.insertMessage({
      workspaceId: doc.workspaceId,
      channelId: doc._id,
      conversationId: conversation._id,
      contactId,
      direction: 'inbound',
      author: 'contact',
      type: content.type,
      content,
      status: 'received',
      providerMessageId: event.providerMessageId,
      providerKey,
      rawEventId,
      providerTimestamp: event.timestamp,
      replyToProviderMessageId: event.replyToProviderMessageId,
      referral: event.referral,
      contactUserId: event.from.userId,
      thread: event.thread,
      ...(event.standby && { standby: true }),
    });
    // A concurrent duplicate won the insert: the copies stored for this attempt belong to nothing.
    if (!inserted) await Promise.all(withMedia.storedIds.map((id) => this.store.media.delete(id)));
    const moved = await this.moveConversation(channel, message, conversation, inserted);
    // A snoozed conversation wakes; an open one's inactivity timer starts over (not for history).
    const updated = isCustomerMessage(message) ? await this.lifecycle.customerWrote(moved) : moved;
    await this.announce(message, updated, created);
    await this.fetchMediaLater(message);
  }

  /**
   * Where a message goes: history (standby) joins the pair's conversation as it is; on
   * thread-scoped channels (email) the thread's; otherwise the pair's open conversation.
   */
  private conversationFor(channel: ResolvedChannel, event: MessageEvent, contactId: Types.ObjectId, providerKey: string) {
    const { doc } = channel;
    if (event.standby) return historyConversationFor(this.store, doc, contactId, providerKey, event.timestamp);
    if (channel.connector.capabilities.conversations === 'thread') {
      const reopen = (ended: ConversationDoc) => this.lifecycle.reopenForCustomer(ended);
      return threadConversationFor(this.store, doc, contactId, providerKey, event.thread, event.content.type === 'email' ? event.content.subject : undefined, reopen);
    }
    return this.chatConversationFor(doc, contactId, providerKey);
  }

  /**
   * The open conversation of (channel, contact) on chat channels. When there is none, the latest
   * ended one is reopened if the workspace's lifecycle setting says so; otherwise the new
   * conversation is linked to it.
   */
  private async chatConversationFor(channel: ChannelDoc, contactId: Types.ObjectId, providerKey: string) {
    // The pair's latest conversation is the open one when there is one (at most one is open, and
    // a new one starts only when none is): one read serves both cases.
    const latest = await this.store.conversations
      .findOne({ workspaceId: channel.workspaceId, contactId, channelId: channel._id })
      .sort({ _id: -1 })
      .lean();
    if (latest && isOpen(latest.status)) return { conversation: latest, created: latest.firstProviderKey === providerKey };
    if (latest) {
      const reopened = await this.lifecycle.reopenForCustomer(latest);
      if (reopened) return { conversation: reopened, created: false };
      return openConversationFor(this.store, channel, contactId, providerKey, { previousConversationId: latest._id });
    }
    return openConversationFor(this.store, channel, contactId, providerKey);
  }

  /** Media is copied by its own job, so a slow download never holds up the message. */
  private async fetchMediaLater(message: MessageDoc): Promise<void> {
    if (mediaOf(message.content).some((media) => media.state === 'pending')) {
      await this.queues.media.add('fetch', { messageId: String(message._id) }, { ...MEDIA_JOB_OPTIONS, jobId: `media-${String(message._id)}` });
    }
  }

  /**
   * A message the business sent from another tool: recorded as outbound and already sent, in
   * the contact's open conversation. It never moves the messaging window and is never sent by us.
   * Our own messages come back as echoes too; their provider id is already stored, so they stop here.
   */
  async ingestEcho(channel: ResolvedChannel, event: EchoEvent, rawEventId: string): Promise<void> {
    const { doc } = channel;
    const providerKey = providerKeyOf(doc._id, event.providerMessageId);
    if (await this.store.messages.exists({ providerKey })) return;
    const { contactId } = await resolveIdentity(this.store, doc, event.to, event.timestamp);
    const { conversation, created } = event.standby
      ? await historyConversationFor(this.store, doc, contactId, providerKey, event.timestamp)
      : await openConversationFor(this.store, doc, contactId, providerKey);
    const { message } = await this.insertMessage({
      workspaceId: doc.workspaceId,
      channelId: doc._id,
      conversationId: conversation._id,
      contactId,
      direction: 'outbound',
      author: 'business',
      type: event.content.type,
      content: event.content,
      status: 'sent',
      sentAt: event.timestamp,
      providerMessageId: event.providerMessageId,
      providerKey,
      rawEventId,
      providerTimestamp: event.timestamp,
      replyToProviderMessageId: event.replyToProviderMessageId,
      ...(event.standby && { standby: true }),
    });
    const updated =
      (await this.store.conversations
        .findOneAndUpdate({ _id: conversation._id }, { $max: { lastMessageAt: event.timestamp } }, { returnDocument: 'after' })
        .lean()) ?? conversation;
    await this.outbox.emitAll([
      ...(created
        ? [{ type: 'conversation.created' as const, workspaceId: doc.workspaceId, key: String(conversation._id), conversationId: conversation._id, data: { conversation: conversationToApi(updated) } }]
        : []),
      { type: 'message.sent', workspaceId: doc.workspaceId, key: `${String(message._id)}-echo`, conversationId: conversation._id, data: { message: messageToApi(message) } },
    ]);
  }

  /** The events of an ingested message; ids are deterministic, so announcing twice is harmless. */
  private async announce(message: MessageDoc, conversation: ConversationDoc, created: boolean): Promise<void> {
    const { workspaceId } = message;
    // A new conversation is announced once; an existing one says its window and activity moved.
    await this.outbox.emitAll([
      {
        type: created ? 'conversation.created' : 'conversation.updated',
        workspaceId,
        key: created ? String(conversation._id) : `${String(conversation._id)}-${String(message._id)}`,
        conversationId: conversation._id,
        data: { conversation: conversationToApi(conversation) },
      },
      {
        type: 'message.received',
        workspaceId,
        key: String(message._id),
        conversationId: conversation._id,
        data: { message: messageToApi(message), conversation: conversationToApi(conversation) },
      },
    ]);
  }

  private async insertMessage(fields: Partial<MessageDoc>): Promise<{ message: MessageDoc; inserted: boolean }> {
    const { doc, inserted } = await insertOrFindWinner(this.store.messages, fields, { providerKey: fields.providerKey });
    return { message: doc, inserted };
  }

  /**
   * Media delivered inside the message (email attachments) goes to the media store now, within
   * the channel's limits; the stored message keeps only the reference.
   */
  private async storeInlineMedia(channel: ResolvedChannel, event: MessageEvent): Promise<{ content: MessageContent; storedIds: string[] }> {
    if (!event.inlineMedia?.length) return { content: event.content, storedIds: [] };
    const content = structuredClone(event.content);
    const refs = mediaOf(content);
    const limits = channel.connector.capabilities.mediaMaxBytes;
    const storedIds: string[] = [];
    for (const { index, data, mimeType } of event.inlineMedia) {
      const ref = refs[index];
      if (!ref) continue;
      const limit = limits[mediaKindAt(content, index)];
      if (data.length > limit) {
        Object.assign(ref, { state: 'too_large', size: data.length, error: `larger than ${limit} bytes` });
        continue;
      }
      const filename = 'filename' in ref && typeof ref.filename === 'string' ? ref.filename : undefined;
      const storedId = await this.store.media.put(data, { workspaceId: String(channel.doc.workspaceId), mimeType, filename });
      storedIds.push(storedId);
      Object.assign(ref, { state: 'stored', storedId, size: data.length, mimeType });
    }
    return { content, storedIds };
  }

  /**
   * Moves the conversation's activity and window (its last inbound time: replyWindow derives the
   * rest) to the message, forward only (an older message delivered late never shortens them).
   * History (standby) moves only these: the platform counts every message of the person for the
   * window, but it is no work for the conversation's people, so no inactivity timer and no unread
   * count. When this job's insert of a customer message landed, it is counted unread in the same
   * write: a concurrent duplicate that lost the insert leaves the count to the winner, and a job
   * that crashed before this write is healed by refreshUnread when the message is delivered again.
   */
  private async moveConversation(channel: ResolvedChannel, message: MessageDoc, conversation: ConversationDoc, inserted: boolean) {
    const at = message.providerTimestamp ?? message.createdAt;
    const fromContact = message.type !== 'system';
    const customer = isCustomerMessage(message);
    const opensWindow = fromContact && windowRuleOf(channel.connector, channel.doc.settings) !== null;
    const unread = customer && inserted;
    const moved = await this.store.conversations
      .findOneAndUpdate(
        { _id: message.conversationId },
        {
          $max: {
            lastMessageAt: at,
            ...(customer && { lastCustomerMessageAt: at }),
            ...(opensWindow && { lastInboundAt: at }),
          },
          // A new timer generation: the inactivity timers scheduled before this message are stale.
          ...(customer && { $inc: { lifecycleVersion: 1, ...(unread && { unreadCount: 1 }) } }),
        },
        { returnDocument: 'after' },
      )
      .lean();
    return moved ?? conversation;
  }
}

/** What the contact wrote to us: not a system notice, nor history of a conversation another app controlled. */
const isCustomerMessage = (message: MessageDoc) => message.type !== 'system' && !message.standby;
