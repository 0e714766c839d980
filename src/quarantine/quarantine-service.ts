import type { Types } from 'mongoose';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import type { QuarantineState } from '../domain/quarantine.js';
import { notFound } from '../errors.js';
import type { MessageIngest } from '../ingest/message-ingest.js';
import type { Store } from '../store/index.js';
import type { QuarantinedMailDoc } from '../store/models/quarantined-mail.js';
import type { PageRequest } from '../store/workspace-records.js';

/**
 * Mail held back from conversations (mailing lists, bulk senders; src/ingest/hold-for-review.ts)
 * as admins see it: listed, and released into the inbound path like any mail.
 */
export class QuarantineService {
  constructor(private readonly deps: { store: Store; channels: ChannelService; ingest: MessageIngest; clock: Clock }) {}

  /** Newest first, `limit + 1` of them, without their bytes. */
  list(workspaceId: Types.ObjectId, { state, cursor, limit }: PageRequest & { state?: QuarantineState }): Promise<QuarantinedMailDoc[]> {
    return this.deps.store.quarantinedMail
      .find({ workspaceId, ...(state && { state }), ...(cursor && { _id: { $lt: cursor } }) }, { body: 0 })
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean();
  }

  /**
   * Ingests a held mail from the bytes it came in, as if it had not been held: a contact, its
   * thread's conversation (opened and routed when new), the message. Releasing again answers the
   * same; a release cut short is finished by the next, since ingest finds what it stored.
   */
  async release(workspaceId: Types.ObjectId, id: string): Promise<QuarantinedMailDoc> {
    const { store, channels, ingest, clock } = this.deps;
    // Not lean: a hydrated document gives the body back as a Buffer.
    const held = await store.quarantinedMail.findOne({ _id: id, workspaceId });
    if (!held) throw notFound('Quarantined mail');
    if (held.state === 'released' || !held.body) return held.toObject();
    const channel = await channels.resolveById(String(held.channelId));
    if (!channel) throw notFound('Channel');
    const events = await channel.connector.parse({ rawBody: held.body, headers: { 'content-type': held.contentType }, receivedAt: held.receivedAt });
    const event = events.find((e) => e.kind === 'message' && e.providerMessageId === held.providerMessageId);
    if (event?.kind !== 'message') throw new Error(`The held mail ${id} no longer parses to its message`);
    await ingest.ingest(channel, event, held.rawEventId);
    const message = await store.messages.findOne({ providerKey: held.providerKey }, { conversationId: 1 }).lean();
    const released = await store.quarantinedMail
      .findOneAndUpdate(
        { _id: held._id },
        // The message holds the words now: deleting its conversation erases them (src/conversations/conversation-deleter.ts).
        { $set: { state: 'released', releasedAt: clock.now(), messageId: message?._id, conversationId: message?.conversationId }, $unset: { body: '' } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!released) throw notFound('Quarantined mail');
    return released;
  }
}
