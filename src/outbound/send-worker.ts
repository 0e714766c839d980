import { DelayedError, type Job } from 'bullmq';
import { ProviderSendError } from '../../connectors/contract.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { decideSend } from '../domain/send-policy.js';
import type { Logger } from '../logger.js';
import type { StatusUpdater } from '../messages/status-updater.js';
import type { Store } from '../store/index.js';
import { providerKeyOf, type MessageDoc } from '../store/models/message.js';
import type { TemplateRegistry } from '../templates/template-registry.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SendJobData } from './send-service.js';

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
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async process(job: Job<SendJobData>, token: string | undefined): Promise<void> {
    const { store, channels, clock } = this.deps;
    const message = await store.messages.findById(job.data.messageId).lean();
    if (!message || message.status !== 'queued' || message.sendRound !== job.data.round) return;
    const channelDoc = await store.channels.findById(message.channelId).lean();
    const conversation = await store.conversations.findById(message.conversationId).lean();
    const identity = await store.contactIdentities.findOne({ channelId: message.channelId, contactId: message.contactId }).lean();
    if (!channelDoc || !conversation || !identity) {
      return this.fail(message, { code: 'recipient_unavailable', title: 'The channel, conversation or contact identity is gone' });
    }
    const { connector, access } = channels.resolve(channelDoc);
    const content = message.content;
    const refusal = decideSend({
      capabilities: connector.capabilities,
      content,
      lastInboundAt: conversation.lastInboundAt,
      template: content.type === 'template' ? await this.deps.templates.find(channelDoc._id, content.template.name, content.template.language) : undefined,
      now: clock.now(),
    });
    if (refusal) return this.fail(message, { code: refusal.code, title: refusal.message, outcome: 'final' });

    const perSecond = Number(channelDoc.settings.sendPerSecond ?? connector.capabilities.sendPerSecond);
    const wait = await this.deps.limiter.take(`${channelDoc.type}:${channelDoc.accountId}`, perSecond);
    if (wait > 0) {
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }

    let providerMessageId: string;
    try {
      ({ providerMessageId } = await connector.send(
        {
          to: identity.externalId,
          content,
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
        throw error;
      }
      return this.fail(message, { code: error.code, title: error.title, outcome: error.outcome });
    }

    const providerKey = providerKeyOf(message.channelId, providerMessageId);
    const now = clock.now();
    await this.deps.statuses.advanceById(message._id, { status: 'sent', timestamp: now }, { providerMessageId, providerKey, providerTimestamp: now });
    await this.deps.statuses.applyEarly(providerKey);
  }

  private async fail(message: MessageDoc, error: { code: string; title: string; outcome?: string }): Promise<void> {
    this.deps.logger.warn({ messageId: String(message._id), code: error.code }, 'message failed');
    await this.deps.statuses.advanceById(message._id, { status: 'failed', timestamp: this.deps.clock.now(), error });
  }

  private async loadMedia(storedId: string, workspaceId: string) {
    const stored = await this.deps.store.media.get(storedId, workspaceId);
    if (!stored) throw new ProviderSendError('media_not_found', `Stored media ${storedId} is gone`, 'final');
    return { data: stored.data, mimeType: stored.info.mimeType, filename: stored.info.filename };
  }
}
