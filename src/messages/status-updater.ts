import type { Types } from 'mongoose';
import { statusesBelow, type DeliveryStatus } from '../domain/delivery-status.js';
import type { ProviderErrorInfo } from '../domain/message.js';
import type { Clock } from '../clock.js';
import type { Outbox } from '../events/outbox.js';
import { messageToApi } from '../representation/public-records.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import { providerKeyOf, type MessageDoc } from '../store/models/message.js';

export interface StatusChange {
  providerKey: string;
  status: Exclude<DeliveryStatus, 'queued'>;
  timestamp: Date;
  error?: ProviderErrorInfo;
}

/** Concurrent moves of one message are taken in turn: at most this many re-reads. */
const MAX_TURNS = 5;

/** A watermark touches the recent unconfirmed messages of one contact: a small set. */
const WATERMARK_BATCH = 500;

const TIME_FIELD: Record<StatusChange['status'], string> = {
  accepted: 'acceptedAt',
  sent: 'sentAt',
  delivered: 'deliveredAt',
  read: 'readAt',
  failed: 'failedAt',
};

/**
 * Moves outbound messages forward through their statuses, never back: the filter only matches
 * a message whose status ranks lower, in one atomic update, so late, repeated and reordered
 * callbacks are harmless.
 */
export class StatusUpdater {
  constructor(
    private readonly store: Store,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /** Applies a provider callback; keeps it for later if the message's provider id isn't stored yet. */
  async applyCallback(change: StatusChange): Promise<void> {
    if (await this.advance({ providerKey: change.providerKey }, change)) return;
    if (await this.store.messages.exists({ providerKey: change.providerKey })) return; // stale: already further
    // Kept once per status: a repeated callback finds it kept.
    await claimOnce(this.store.earlyStatuses, {
      _id: `${change.providerKey}:${change.status}`,
      providerKey: change.providerKey,
      status: change.status,
      timestamp: change.timestamp,
      error: change.error,
      createdAt: this.clock.now(),
    });
  }

  /**
   * Everything we sent the contact up to the watermark is delivered (or read). Messages are
   * advanced one by one so each gets its forward-only update and its event.
   */
  async applyWatermark(channel: ChannelDoc, w: { contactExternalId: string; status: 'delivered' | 'read'; watermark: Date; providerMessageIds?: string[] }) {
    const identity = await this.store.contactIdentities.findOne({ channelId: channel._id, externalId: w.contactExternalId }).lean();
    if (!identity) return;
    const named = (w.providerMessageIds ?? []).map((id) => providerKeyOf(channel._id, id));
    const targets = await this.store.messages
      .find(
        {
          channelId: channel._id,
          contactId: identity.contactId,
          direction: 'outbound',
          status: { $in: statusesBelow(w.status) },
          $or: [{ providerTimestamp: { $lte: w.watermark } }, { providerKey: { $in: named } }],
        },
        { _id: 1 },
      )
      .limit(WATERMARK_BATCH)
      .lean();
    for (const t of targets) await this.advanceById(t._id, { status: w.status, timestamp: w.watermark });
  }

  /** After a send stored the provider id: applies callbacks that came before it. */
  async applyEarly(providerKey: string): Promise<void> {
    const early = await this.store.earlyStatuses.find({ providerKey }).lean();
    for (const s of early) {
      await this.advance({ providerKey }, { status: s.status, timestamp: s.timestamp, error: s.error });
    }
    if (early.length > 0) await this.store.earlyStatuses.deleteMany({ providerKey });
  }

  /** Our own transitions (accepted or sent on the provider's acceptance, failed on a final error). */
  async advanceById(messageId: Types.ObjectId, change: Omit<StatusChange, 'providerKey'>, extra: Record<string, unknown> = {}) {
    return this.advance({ _id: messageId }, change, extra);
  }

  /**
   * Moves the message to `change.status` if that is forward of where it is. The step from its
   * current status is claimed first (unique insert), so two concurrent callbacks never both
   * pass the rank check on a stale read; the loser re-reads and moves on from the winner's status.
   */
  private async moveForward(filter: Record<string, unknown>, change: Omit<StatusChange, 'providerKey'>, extra: Record<string, unknown>) {
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      const current = await this.store.messages.findOne({ ...filter, direction: 'outbound' }, { status: 1, sendRound: 1 }).lean();
      if (!current || !(statusesBelow(change.status) as string[]).includes(current.status)) return null;
      const step = `${String(current._id)}:${current.sendRound}:${current.status}`;
      const claimed = await claimOnce(this.store.messageTransitions, { _id: step, messageId: current._id, from: current.status, to: change.status, at: change.timestamp });
      if (!claimed) continue;
      let updated: MessageDoc | null;
      try {
        updated = await this.store.messages
          .findOneAndUpdate(
            { _id: current._id, status: current.status, sendRound: current.sendRound },
            {
              $set: {
                ...extra,
                status: change.status,
                [TIME_FIELD[change.status]]: change.timestamp,
                ...(change.error && { error: change.error }),
              },
            },
            { returnDocument: 'after' },
          )
          .lean();
      } catch (err) {
        // The step did not happen (e.g. the provider id is held by an echo): give the claim back.
        await releaseClaim(this.store.messageTransitions, step);
        throw err;
      }
      if (updated) return updated;
      await releaseClaim(this.store.messageTransitions, step);
    }
    return null;
  }

  private async advance(
    filter: Record<string, unknown>,
    change: Omit<StatusChange, 'providerKey'>,
    extra: Record<string, unknown> = {},
  ): Promise<boolean> {
    const updated = await this.moveForward(filter, change, extra);
    if (!updated) return false;
    const data = { message: messageToApi(updated) };
    await this.outbox.emit({
      type: 'message.status_updated',
      workspaceId: updated.workspaceId,
      key: `${String(updated._id)}-${updated.sendRound}-${change.status}`,
      conversationId: updated.conversationId,
      data,
    });
    // Once per send round, at acceptance or at the provider's `sent`, whichever comes first.
    if (change.status === 'accepted' || change.status === 'sent') {
      await this.outbox.emit({
        type: 'message.sent',
        workspaceId: updated.workspaceId,
        key: `${String(updated._id)}-${updated.sendRound}`,
        conversationId: updated.conversationId,
        data,
      });
    }
    return true;
  }
}
