import type { ChannelDoc } from '../store/models/channel.js';

/** Where a channel's provider traffic is received. */
export function webhookUrlOf(publicBaseUrl: string, channel: Pick<ChannelDoc, '_id' | 'type'>): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/webhooks/${channel.type}/${String(channel._id)}`;
}
