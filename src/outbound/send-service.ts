import { Types } from 'mongoose';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import type { SenderKind } from '../domain/send-policy.js';
import { ENDED_STATUSES } from '../domain/conversation.js';
import { isMediaContent, type MessageContent } from '../domain/message.js';
import { conflict, isDuplicateKeyError, notFound, unprocessable } from '../errors.js';
import { addOrLeaveToSweep, type Queues } from '../jobs/queues.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { MessageDoc } from '../store/models/message.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import { checkSend, type OutgoingIntent } from './policy-check.js';
import type { MessageTag } from '../domain/channel.js';
import type { MessageAuthor } from '../domain/message.js';

export interface SendJobData {
  messageId: string;
  round: number;
}

export interface NewOutboundMessage {
  content: MessageContent;
  /** Our id of the message this one answers. */
  replyToMessageId?: string;
  tag?: MessageTag;
  /**
   * The id to store it under, from a caller that may repeat itself (a re-run job): a second send
   * with the same id stores and sends nothing more and answers the message stored first.
   */
  id?: Types.ObjectId;
}

/** Who asks: a person's key (agent) or an automation's. */
export interface MessageSender {
  /** Absent for the gateway's own messages (e.g. the satisfaction survey), which no key asked for. */
  keyId?: Types.ObjectId;
  author: Extract<MessageAuthor, 'agent' | 'automation'>;
  /** The AI agent (an automation): its messages say so, so the conversation shows who answered. */
  aiAgent?: true;
}

export const senderKindOf = (author: MessageAuthor): SenderKind => (author === 'agent' ? 'human' : 'automation');

/** One send round of one message: a job id never doubled. */
export const sendJobId = (messageId: Types.ObjectId | string, round: number) => `send-${String(messageId)}-${round}`;

/**
 * Accepts an agent's message: decides at the policy point whether it may be sent, stores it as
 * queued and schedules the send job. A refusal is a 422 with the policy's precise code.
 */
export class SendService {
  constructor(
    private readonly deps: {
      store: Store;
      queues: Queues;
      channels: ChannelService;
      templates: TemplateRegistry;
      clock: Clock;
      sendAttempts: number;
      sendBackoffMs: number;
    },
  ) {}

  async send(workspaceId: Types.ObjectId, conversationId: string, input: NewOutboundMessage, sender: MessageSender): Promise<MessageDoc> {
    const { store } = this.deps;
    const conversation = await this.conversation(workspaceId, conversationId);
    const earlier = input.id && (await this.storedBefore(input.id, conversation._id));
    if (earlier) return earlier;
    await this.authorize(conversation, { content: input.content, tag: input.tag, sender: senderKindOf(sender.author) });
    const content = await this.withStoredMedia(workspaceId, input.content);
    const replyTo = input.replyToMessageId ? await this.replyTarget(conversation, input.replyToMessageId) : undefined;
    const record = {
      ...(input.id && { _id: input.id }),
      workspaceId,
      channelId: conversation.channelId,
      conversationId: conversation._id,
      contactId: conversation.contactId,
      direction: 'outbound' as const,
      author: sender.author,
      type: content.type,
      content,
      status: 'queued' as const,
      replyToProviderMessageId: replyTo,
      sentBy: sender.keyId,
      tag: input.tag,
      ...(sender.aiAgent && { aiAgent: true }),
      sendRound: 1,
    };
    let message: MessageDoc;
    try {
      message = (await store.messages.create(record)).toObject();
    } catch (err) {
      // The same id sent twice at once: the first insert won and is the message.
      const winner = input.id && isDuplicateKeyError(err) ? await this.storedBefore(input.id, conversation._id) : null;
      if (!winner) throw err;
      return winner;
    }
    if (content.type !== 'reaction') await this.markFirstResponse(conversation._id);
    await addOrLeaveToSweep(() => this.enqueue(message._id, 1));
    return message;
  }

  /** A message already stored under a caller's id: queued again (the job id is taken once it ran), never stored twice. */
  private async storedBefore(id: Types.ObjectId, conversationId: Types.ObjectId): Promise<MessageDoc | null> {
    const stored = await this.deps.store.messages.findOne({ _id: id, conversationId }).lean();
    if (stored?.status === 'queued') await addOrLeaveToSweep(() => this.enqueue(stored._id, stored.sendRound));
    return stored;
  }

  /**
   * The first reply to a customer who has written, while the conversation is open, ends its first
   * response time; later replies never move it, and a survey or closing message after the end is
   * no response. The filter makes it one write per conversation (on FerretDB a write may overwrite
   * a concurrent change of another field); `$min` keeps the earliest should two first replies race.
   */
  private async markFirstResponse(conversationId: Types.ObjectId): Promise<void> {
    await this.deps.store.conversations.updateOne(
      { _id: conversationId, firstResponseAt: { $exists: false }, lastCustomerMessageAt: { $exists: true }, status: { $nin: ENDED_STATUSES } },
      { $min: { firstResponseAt: this.deps.clock.now() } },
    );
  }

  /** Sends a failed message again, for real: a new round of attempts with a fresh job. */
  async retry(workspaceId: Types.ObjectId, messageId: string): Promise<MessageDoc> {
    const { store } = this.deps;
    const message = Types.ObjectId.isValid(messageId) ? await store.messages.findOne({ _id: messageId, workspaceId }).lean() : null;
    if (!message) throw notFound('Message');
    const conversation = await this.conversation(workspaceId, String(message.conversationId));
    await this.authorize(conversation, { content: message.content, tag: message.tag, sender: senderKindOf(message.author) });
    const refused = () => conflict('invalid_state', `Only a failed outbound message can be retried; this one is ${message.status}`);
    if (message.direction !== 'outbound' || message.status !== 'failed') throw refused();
    // One retry per failed round, even when two requests race (see store/claim.ts).
    const step = `${String(message._id)}:${message.sendRound}:failed`;
    const claimed = await claimOnce(store.messageTransitions, { _id: step, messageId: message._id, from: 'failed', to: 'queued', at: this.deps.clock.now() });
    if (!claimed) throw refused();
    const retried = await store.messages
      .findOneAndUpdate(
        { _id: message._id, status: 'failed', sendRound: message.sendRound },
        { $set: { status: 'queued' }, $inc: { sendRound: 1 }, $unset: { error: '', failedAt: '' } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!retried) {
      await releaseClaim(store.messageTransitions, step);
      throw refused();
    }
    await addOrLeaveToSweep(() => this.enqueue(retried._id, retried.sendRound));
    return retried;
  }

  async enqueue(messageId: Types.ObjectId, round: number): Promise<void> {
    const data: SendJobData = { messageId: String(messageId), round };
    await this.deps.queues.send.add('send', data, {
      jobId: sendJobId(messageId, round),
      attempts: this.deps.sendAttempts,
      backoff: { type: 'exponential', delay: this.deps.sendBackoffMs },
    });
  }

  /** The policy point, as seen from the API (the send job asks again before sending). */
  private async authorize(conversation: ConversationDoc, intent: OutgoingIntent): Promise<void> {
    const doc = await this.deps.store.channels.findById(conversation.channelId).lean();
    const connector = doc && this.deps.channels.connectorOf(doc);
    if (!doc || !connector) throw notFound('Channel');
    const { refusal } = await checkSend(this.deps, { doc, connector }, conversation, intent);
    if (refusal) throw unprocessable(refusal.code, refusal.message, refusal.details);
  }

  private async conversation(workspaceId: Types.ObjectId, id: string): Promise<ConversationDoc> {
    const conversation = Types.ObjectId.isValid(id)
      ? await this.deps.store.conversations.findOne({ _id: id, workspaceId }).lean()
      : null;
    if (!conversation) throw notFound('Conversation');
    return conversation;
  }

  /** Media given by our store id must exist in this workspace; its type and name are filled in. */
  private async withStoredMedia(workspaceId: Types.ObjectId, content: MessageContent): Promise<MessageContent> {
    if (!isMediaContent(content) || !content.media.storedId) return content;
    const stored = await this.deps.store.media.info(content.media.storedId, String(workspaceId));
    if (!stored) throw unprocessable('media_not_found', `No stored media ${content.media.storedId} in this workspace`);
    return { ...content, media: { ...content.media, mimeType: stored.mimeType, size: stored.size, state: 'stored' } };
  }

  private async replyTarget(conversation: ConversationDoc, messageId: string): Promise<string> {
    const target = Types.ObjectId.isValid(messageId)
      ? await this.deps.store.messages.findOne({ _id: messageId, conversationId: conversation._id }).lean()
      : null;
    if (!target) throw unprocessable('reply_target_not_found', 'replyToMessageId is not a message of this conversation');
    if (!target.providerMessageId) throw unprocessable('reply_target_not_sent', 'The message replied to has no provider id yet');
    return target.providerMessageId;
  }
}
