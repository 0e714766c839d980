import type { MediaKind } from '../../src/domain/message.js';
import type { ChannelCapabilities } from '../../src/domain/channel.js';

const MB = 1024 * 1024;

/** Meta's limits per media kind (sticker: the animated one, the larger of the two). */
export const MEDIA_MAX_BYTES: Readonly<Record<MediaKind, number>> = {
  image: 5 * MB,
  video: 16 * MB,
  audio: 16 * MB,
  document: 100 * MB,
  sticker: 0.5 * MB,
};

export const WHATSAPP_CLOUD_CAPABILITIES: ChannelCapabilities = {
  window: { hours: 24, outside: 'template' },
  outbound: ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'template', 'interactive', 'reaction'],
  mediaMaxBytes: MEDIA_MAX_BYTES,
  sendPerSecond: 80,
  templates: 'name-language',
  conversations: 'contact',
  reportsSent: true,
};
