import type { ChannelService } from '../channels/channel-service.js';
import { isMediaContent } from '../domain/message.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';

/**
 * Copies inbound media from the provider into our store soon after ingest: provider handles
 * expire (WhatsApp: about 7 days). Runs as its own job so a slow download never holds up a
 * message; media over the channel's limit is marked too_large and not kept.
 */
export class MediaFetcher {
  constructor(private readonly deps: { store: Store; channels: ChannelService; logger: Logger }) {}

  async fetch(messageId: string): Promise<void> {
    const { store } = this.deps;
    const message = await store.messages.findById(messageId).lean();
    if (!message || !isMediaContent(message.content) || message.content.media.state !== 'pending') return;
    const channelDoc = await store.channels.findById(message.channelId).lean();
    if (!channelDoc) return;
    const { connector, access } = this.deps.channels.resolve(channelDoc);
    const { media } = message.content;
    const limit = connector.capabilities.mediaMaxBytes[message.content.type];
    const fetched = await connector.fetchMedia({ providerMediaId: media.providerMediaId, url: media.url }, access);
    if (fetched.data.length > limit) {
      await this.setMedia(messageId, { state: 'too_large', size: fetched.data.length, error: `larger than ${limit} bytes` });
      return;
    }
    const storedId = await store.media.put(fetched.data, {
      workspaceId: String(message.workspaceId),
      mimeType: fetched.mimeType,
      filename: 'filename' in message.content ? message.content.filename : undefined,
    });
    await this.setMedia(messageId, { state: 'stored', storedId, size: fetched.data.length, mimeType: fetched.mimeType });
  }

  /** After the last attempt: the message says why its media is missing. */
  async markFailed(messageId: string, reason: string): Promise<void> {
    await this.setMedia(messageId, { state: 'failed', error: reason });
  }

  private async setMedia(messageId: string, fields: Record<string, unknown>): Promise<void> {
    const set = Object.fromEntries(Object.entries(fields).map(([k, v]) => [`content.media.${k}`, v]));
    await this.deps.store.messages.updateOne({ _id: messageId }, { $set: set });
  }
}
