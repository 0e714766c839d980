import type { ChannelService } from '../channels/channel-service.js';
import { isMediaContent, mediaKindAt, mediaOf, type MediaRef, type MessageContent } from '../domain/message.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';

/**
 * Copies inbound media from the provider into our store soon after ingest: provider handles
 * expire (WhatsApp: about 7 days). Runs as its own job so a slow download never holds up a
 * message; media over the channel's limit is marked too_large and not kept. A message with
 * several media has each fetched in turn and marked as it is stored, so a retried job fetches
 * only what is still pending.
 */
export class MediaFetcher {
  constructor(private readonly deps: { store: Store; channels: ChannelService; logger: Logger }) {}

  async fetch(messageId: string): Promise<void> {
    const { store } = this.deps;
    const message = await store.messages.findById(messageId).lean();
    if (!message) return;
    const { content } = message;
    const pending = pendingMedia(content);
    if (pending.length === 0) return;
    const channelDoc = await store.channels.findById(message.channelId).lean();
    if (!channelDoc) return;
    const { connector, access } = this.deps.channels.resolve(channelDoc);
    for (const { media, index } of pending) {
      const limit = connector.capabilities.mediaMaxBytes[mediaKindAt(content, index)];
      const fetched = await connector.fetchMedia({ providerMediaId: media.providerMediaId, url: media.url }, access);
      if (fetched.data.length > limit) {
        await this.setMedia(messageId, content, index, { state: 'too_large', size: fetched.data.length, error: `larger than ${limit} bytes` });
        continue;
      }
      const storedId = await store.media.put(fetched.data, {
        workspaceId: String(message.workspaceId),
        mimeType: fetched.mimeType,
        filename: 'filename' in content ? content.filename : undefined,
      });
      await this.setMedia(messageId, content, index, { state: 'stored', storedId, size: fetched.data.length, mimeType: fetched.mimeType });
    }
  }

  /** After the last attempt: the message says why the media still pending is missing. */
  async markFailed(messageId: string, reason: string): Promise<void> {
    const message = await this.deps.store.messages.findById(messageId).lean();
    if (!message) return;
    for (const { index } of pendingMedia(message.content)) await this.setMedia(messageId, message.content, index, { state: 'failed', error: reason });
  }

  private async setMedia(messageId: string, content: MessageContent, index: number, fields: Record<string, unknown>): Promise<void> {
    const path = mediaPath(content, index);
    const set = Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${path}.${k}`, v]));
    await this.deps.store.messages.updateOne({ _id: messageId }, { $set: set });
  }
}

/** The message's media still to fetch, with their places in mediaOf(content). */
function pendingMedia(content: MessageContent): { media: MediaRef; index: number }[] {
  return mediaOf(content).flatMap((media, index) => (media.state === 'pending' ? [{ media, index }] : []));
}

/** The stored path of mediaOf(content)[index]: a media message's one, or an item of its attachments. */
function mediaPath(content: MessageContent, index: number): string {
  return isMediaContent(content) ? 'content.media' : `content.attachments.${index}`;
}
