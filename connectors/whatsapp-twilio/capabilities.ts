import type { MediaKind } from '../../src/domain/message.js';
import type { ChannelCapabilities } from '../../src/domain/channel.js';

const MB = 1024 * 1024;

/**
 * Twilio caps a WhatsApp message at 16 MB and images at 5 MB. Stickers follow Meta: 100 KB static,
 * 500 KB animated; the larger one is kept, since this limit also decides which inbound media we store.
 */
export const MEDIA_MAX_BYTES: Readonly<Record<MediaKind, number>> = {
  image: 5 * MB,
  video: 16 * MB,
  audio: 16 * MB,
  document: 16 * MB,
  sticker: 0.5 * MB,
};

export const WHATSAPP_TWILIO_CAPABILITIES: ChannelCapabilities = {
  window: { hours: 24, outside: 'template' },
  outbound: ['text', 'image', 'video', 'audio', 'document', 'template'],
  mediaMaxBytes: MEDIA_MAX_BYTES,
  sendPerSecond: 10,
  templates: 'content-sid',
  conversations: 'contact',
  reportsSent: true,
};
