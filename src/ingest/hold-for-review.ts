import type { InboundEvent } from '../domain/inbound-event.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import { providerKeyOf } from '../store/models/message.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;

/**
 * Holds a mail no person sent to us (src/domain/quarantine.ts) instead of ingesting it: no
 * contact, no conversation, nothing routed or answered. The record keeps a copy of the bytes it
 * came in, since the recorded request is purged after its retention time, and is unique on the
 * Message-ID, so a refetch holds it once and a released one stays released.
 */
export async function holdForReview(store: Store, channel: ChannelDoc, event: MessageEvent, rawEventId: string): Promise<void> {
  // Not lean: a hydrated document gives the body back as a Buffer.
  const raw = await store.rawEvents.findById(rawEventId);
  if (!raw) throw new Error(`The recorded request ${rawEventId} is gone; the mail cannot be held`);
  try {
    await store.quarantinedMail.create({
      workspaceId: channel.workspaceId,
      channelId: channel._id,
      providerKey: providerKeyOf(channel._id, event.providerMessageId),
      providerMessageId: event.providerMessageId,
      from: event.from.externalId,
      subject: event.content.type === 'email' ? event.content.subject : '',
      rawEventId,
      body: raw.body,
      contentType: raw.contentType,
      receivedAt: raw.receivedAt,
      state: 'held',
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}
