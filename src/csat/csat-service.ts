import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { AppError, conflict, notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import { checkSend } from '../outbound/policy-check.js';
import { senderKindOf, type MessageSender, type SendService } from '../outbound/send-service.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { CsatRatingDoc } from '../store/models/csat-rating.js';
import type { CsatRequestDoc } from '../store/models/csat-request.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import { csatSettingsOf, renderCsatMessage } from './csat-settings.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';

export interface NewRating {
  rating: number;
  comment?: string;
}

/** The survey is an automation's message: never a human agent's reply (no HUMAN_AGENT tag). */
const SURVEYOR: MessageSender = { author: 'automation' };
const SURVEYOR_KIND = senderKindOf(SURVEYOR.author);

/** 24 random bytes: the link cannot be guessed, and it names one request. */
const newToken = () => randomBytes(24).toString('base64url');

export const ratingToApi = (r: CsatRatingDoc) => ({
  conversationId: String(r.conversationId),
  rating: r.rating,
  comment: r.comment ?? null,
  at: r.at.toISOString(),
});

/**
 * Customer satisfaction: after a resolution, the customer gets a link to rate the conversation
 * (if the workspace wants it and the channel lets a free-form message through now); the link
 * takes one rating, which is stored with the conversation's agent, queue and channel and
 * emitted as `csat.received`.
 */
export class CsatService {
  constructor(
    private readonly deps: {
      store: Store;
      channels: ChannelService;
      templates: TemplateRegistry;
      sender: SendService;
      outbox: Outbox;
      clock: Clock;
      publicBaseUrl: string;
      workspaceSettings: WorkspaceSettings;
    },
  ) {}

  /**
   * `conversation.status_changed` to resolved: surveys the customer at most once per resolution,
   * however often the event is handled (the request record, keyed by the event, is claimed
   * before sending). When the channel would refuse a free-form message now (a closed window),
   * the request is recorded as skipped and nothing is sent.
   */
  async requestAfterResolution(event: DomainEventDoc): Promise<void> {
    const { store, clock } = this.deps;
    if (event.type !== 'conversation.status_changed' || event.data.to !== 'resolved' || !event.conversationId) return;
    const [workspace, conversation] = await Promise.all([
      this.deps.workspaceSettings.of(event.workspaceId),
      store.conversations.findOne({ _id: event.conversationId, workspaceId: event.workspaceId }).lean(),
    ]);
    const settings = csatSettingsOf(workspace);
    // Reopened meanwhile: that resolution is no longer the outcome to rate.
    if (!settings.enabled || conversation?.status !== 'resolved') return;
    const token = newToken();
    const text = renderCsatMessage(settings.message, this.linkOf(token));
    const refusal = await this.refusalNow(conversation, text);
    const request: CsatRequestDoc = {
      _id: event._id,
      workspaceId: conversation.workspaceId,
      conversationId: conversation._id,
      channelId: conversation.channelId,
      queueId: conversation.queueId,
      agentId: conversation.assigneeId,
      ...(refusal ? { state: 'skipped', skipReason: refusal } : { state: 'sent', token }),
      at: clock.now(),
    };
    if (!(await claimOnce(store.csatRequests, request)) || refusal) return;
    try {
      const message = await this.deps.sender.send(conversation.workspaceId, String(conversation._id), { content: { type: 'text', text } }, SURVEYOR);
      await store.csatRequests.updateOne({ _id: request._id }, { $set: { messageId: message._id } });
    } catch (err) {
      // Refused after all (the window closed in between): skipped, like a refusal seen before.
      if (err instanceof AppError && err.status === 422) {
        await store.csatRequests.updateOne({ _id: request._id }, { $set: { state: 'skipped', skipReason: err.code }, $unset: { token: '' } });
        return;
      }
      // Not sent for our own failure: the event job is retried and may claim again.
      await releaseClaim(store.csatRequests, request._id);
      throw err;
    }
  }

  /** The send policy's refusal code for the survey now, or null when it may be sent. */
  private async refusalNow(conversation: ConversationDoc, text: string): Promise<string | null> {
    const doc = await this.deps.store.channels.findById(conversation.channelId).lean();
    if (!doc) return 'channel_not_found';
    const intent = { content: { type: 'text' as const, text }, sender: SURVEYOR_KIND };
    const { refusal } = await checkSend(this.deps, { doc, connector: this.deps.channels.connectorOf(doc) }, conversation, intent);
    return refusal?.code ?? null;
  }

  /** The request a link names, if it was sent. */
  async requestOf(token: string): Promise<CsatRequestDoc> {
    const request = await this.deps.store.csatRequests.findOne({ token, state: 'sent' }).lean();
    if (!request) throw notFound('Rating link');
    return request;
  }

  async ratingOf(request: CsatRequestDoc): Promise<CsatRatingDoc | null> {
    return this.deps.store.csatRatings.findById(request._id).lean();
  }

  /**
   * Stores the one rating of a link. The same rating again (a double click, a retried post)
   * answers with the stored one (`created: false`); a different one is 409 already_rated.
   */
  async rate(token: string, input: NewRating): Promise<{ rating: CsatRatingDoc; created: boolean }> {
    const { store } = this.deps;
    const request = await this.requestOf(token);
    const rating: CsatRatingDoc = {
      _id: request._id,
      workspaceId: request.workspaceId,
      conversationId: request.conversationId,
      channelId: request.channelId,
      queueId: request.queueId,
      agentId: request.agentId,
      rating: input.rating,
      comment: input.comment,
      requestedAt: request.at,
      at: this.deps.clock.now(),
    };
    const created = await claimOnce(store.csatRatings, rating);
    const stored = created ? rating : await this.ratingOf(request);
    if (!stored) throw conflict('already_rated', 'This conversation is being rated');
    if (!created && (stored.rating !== input.rating || (stored.comment ?? '') !== (input.comment ?? ''))) {
      throw conflict('already_rated', 'This conversation has been rated already', ratingToApi(stored));
    }
    // Emitted again on a repeat: the key is the rating's, so a crash before the first emit is repaired, never doubled.
    await this.emitReceived(stored);
    return { rating: stored, created };
  }

  private async emitReceived(rating: CsatRatingDoc): Promise<void> {
    await this.deps.outbox.emit({
      type: 'csat.received',
      workspaceId: rating.workspaceId,
      key: rating._id,
      conversationId: rating.conversationId,
      data: {
        ...ratingToApi(rating),
        agentId: idOrNull(rating.agentId),
        queueId: idOrNull(rating.queueId),
        channelId: String(rating.channelId),
      },
    });
  }

  private linkOf(token: string): string {
    return `${this.deps.publicBaseUrl.replace(/\/+$/, '')}/csat/${token}`;
  }
}

const idOrNull = (id: Types.ObjectId | undefined) => (id ? String(id) : null);
