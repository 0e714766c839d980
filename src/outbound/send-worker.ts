import { DelayedError, type Job } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import { ProviderSendError, type OutboundSend } from '../../connectors/contract.js';
import type { ChannelService, ResolvedChannel } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EmailThreadHeaders, ProviderErrorInfo } from '../domain/message.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { StatusUpdater } from '../messages/status-updater.js';
import type { Store } from '../store/index.js';
import { providerKeyOf, type MessageDoc } from '../store/models/message.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import type { RateLimiter } from '../redis/rate-limiter.js';
import { checkSend } from './policy-check.js';
import { senderKindOf, type SendJobData } from './send-service.js';
import { redisKeys } from '../redis/keys.js';

/** What became of a send attempt: taken by the provider (`accepted`, or `sent` where it reports no later `sent`), to be retried, or failed. */
export type SendResult = 'accepted' | 'sent' | 'retry' | 'failed';

/** What the send job counts (in memory, src/metrics): each attempt's result and, unless it succeeded, its provider or policy code. */
export interface SendMetrics {
  sendFinished(channelType: string, result: SendResult, code?: string): void;
}

/** Longer than any job's retries last. */
const ACCEPTED_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The send job: asks the policy point again (a window can close while a message waits), takes
 * a slot of the provider account's rate limit, calls the connector, and records the outcome.
 * Retryable provider errors go back to BullMQ's backoff; final ones, and the last attempt,
 * mark the message failed with the provider's code.
 */
export class SendWorker {
  constructor(
    private readonly deps: {
      store: Store;
      channels: ChannelService;
      templates: TemplateRegistry;
      statuses: StatusUpdater;
      limiter: RateLimiter;
      redis: RedisClient;
      keyPrefix: string;
      clock: Clock;
      logger: Logger;
      metrics: SendMetrics;
    },
  ) {}

  async process(job: Job<SendJobData>, token: string | undefined): Promise<void> {
    const { store, channels } = this.deps;
    const message = await store.messages.findById(job.data.messageId).lean();
    if (!message || message.status !== 'queued' || message.sendRound !== job.data.round) return;
    const channelDoc = await store.channels.findById(message.channelId).lean();
    const conversation = await store.conversations.findById(message.conversationId).lean();
    // Not a retired one: after a number change, answers go to the new number.
    const identity = await store.contactIdentities.findOne({ channelId: message.channelId, contactId: message.contactId, retiredAt: { $exists: false } }).lean();
    if (!channelDoc || !conversation || !identity) {
      return this.fail(message, channelDoc?.type ?? 'unknown', { code: 'recipient_unavailable', title: 'The channel, conversation or contact identity is gone' });
    }
    const channel = channels.resolve(channelDoc);
    const { connector, access } = channel;
    const { content, tag } = message;
    const { refusal, template } = await checkSend(this.deps, channel, conversation, { content, tag, sender: senderKindOf(message.author) });
    if (refusal) return this.fail(message, channelDoc.type, { code: refusal.code, title: refusal.message, outcome: 'final' });

    const wait = await this.rateLimitWait(channel, content.type);
    if (wait > 0) {
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }

    // A previous attempt may have been accepted by the provider and then failed to record it:
    // sending again would reach the customer twice, so that attempt's id is used instead.
    const acceptedKey = redisKeys(this.deps.keyPrefix).sendAccepted(String(message._id), message.sendRound);
    const alreadyAccepted = await this.deps.redis.get(acceptedKey);
    const thread = connector.capabilities.conversations === 'thread' ? await this.threadOf(message, conversation) : undefined;
    const acceptance = connector.capabilities.reportsSent ? 'accepted' : 'sent';
    if (alreadyAccepted) {
      await this.recordAccepted(message, alreadyAccepted, acceptance, thread);
      return this.deps.metrics.sendFinished(channelDoc.type, acceptance);
    }

    let providerMessageId: string;
    try {
      ({ providerMessageId } = await connector.send(
        {
          to: identity.externalId,
          content,
          template,
          tag,
          thread,
          replyToProviderMessageId: message.replyToProviderMessageId,
          loadStoredMedia: (storedId) => this.loadMedia(storedId, String(message.workspaceId)),
        },
        access,
      ));
    } catch (err) {
      const error = err instanceof ProviderSendError ? err : new ProviderSendError('send_error', String((err as Error).message ?? err), 'retry');
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (error.outcome === 'retry' && !lastAttempt) {
        this.deps.logger.warn({ messageId: String(message._id), code: error.code, attempt: job.attemptsMade + 1 }, 'send failed; will retry');
        this.deps.metrics.sendFinished(channelDoc.type, 'retry', error.code);
        throw error;
      }
      return this.fail(message, channelDoc.type, { code: error.code, title: error.title, outcome: error.outcome });
    }
    await this.deps.redis.set(acceptedKey, providerMessageId, 'EX', ACCEPTED_TTL_SECONDS);
    await this.recordAccepted(message, providerMessageId, acceptance, thread);
    this.deps.metrics.sendFinished(channelDoc.type, acceptance);
  }

  /**
   * Where an email reply goes: the conversation's subject, answering the newest message that
   * has thread headers (the customer's last mail, or our own last reply).
   */
  private async threadOf(message: MessageDoc, conversation: ConversationDoc): Promise<OutboundSend['thread']> {
    const parent = await this.deps.store.messages
      .findOne({ conversationId: conversation._id, 'thread.messageId': { $exists: true }, _id: { $ne: message._id } })
      .sort({ _id: -1 })
      .lean();
    return {
      conversationId: String(conversation._id),
      messageId: String(message._id),
      subject: conversation.subject ?? '',
      inReplyTo: parent?.thread,
    };
  }

  /**
   * Stores the provider's id with the status its acceptance means (`accepted` where the provider
   * reports `sent` later). If the provider's echo of this very message was recorded first
   * (Messenger), that copy holds the id: it is dropped and this message takes its place.
   */
  private async recordAccepted(message: MessageDoc, providerMessageId: string, status: 'accepted' | 'sent', sentIn?: OutboundSend['thread']): Promise<void> {
    const providerKey = providerKeyOf(message.channelId, providerMessageId);
    const now = this.deps.clock.now();
    // Email: our message's own thread headers, so the next reply (ours or theirs) chains onto it.
    const parent = sentIn?.inReplyTo;
    const thread: EmailThreadHeaders | undefined = sentIn && {
      messageId: providerMessageId,
      ...(parent && { inReplyTo: parent.messageId, references: [...(parent.references ?? []), parent.messageId] }),
    };
    const advance = () =>
      this.deps.statuses.advanceById(
        message._id,
        { status, timestamp: now },
        { providerMessageId, providerKey, providerTimestamp: now, ...(thread && { thread }) },
      );
    try {
      await advance();
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await this.deps.store.messages.deleteOne({ providerKey, author: 'business', _id: { $ne: message._id } });
      await advance();
    }
    await this.deps.statuses.applyEarly(providerKey);
  }

  /** Takes a slot of the account's rate, and of its content type's where that is lower. */
  private async rateLimitWait({ doc, connector }: ResolvedChannel, type: MessageDoc['type']): Promise<number> {
    const account = `${doc.type}:${doc.accountId}`;
    const perSecond = Number(doc.settings.sendPerSecond ?? connector.capabilities.sendPerSecond);
    const wait = await this.deps.limiter.take(account, perSecond);
    const typeRate = connector.capabilities.sendPerSecondByType?.[type];
    if (wait > 0 || typeRate === undefined) return wait;
    return this.deps.limiter.take(`${account}:${type}`, typeRate);
  }

  private async fail(message: MessageDoc, channelType: string, error: ProviderErrorInfo): Promise<void> {
    this.deps.logger.warn({ messageId: String(message._id), code: error.code }, 'message failed');
    await this.deps.statuses.advanceById(message._id, { status: 'failed', timestamp: this.deps.clock.now(), error });
    this.deps.metrics.sendFinished(channelType, 'failed', error.code);
  }

  private async loadMedia(storedId: string, workspaceId: string) {
    const stored = await this.deps.store.media.get(storedId, workspaceId);
    if (!stored) throw new ProviderSendError('media_not_found', `Stored media ${storedId} is gone`, 'final');
    return { data: stored.data, mimeType: stored.info.mimeType, filename: stored.info.filename };
  }
}
