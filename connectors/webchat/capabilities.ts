import type { MediaKind } from '../../src/domain/message.js';
import type { ChannelCapabilities } from '../../src/domain/channel.js';

const MB = 1024 * 1024;

/** What a visitor may upload and an agent may send: images and documents up to 10 MB. */
export const MEDIA_MAX_BYTES: Readonly<Record<MediaKind, number>> = {
  image: 10 * MB,
  video: 10 * MB,
  audio: 10 * MB,
  document: 10 * MB,
  sticker: 10 * MB,
};

/** The file types a visitor may upload, by the kind of message they make. */
export const UPLOAD_TYPES: Readonly<Record<string, 'image' | 'document'>> = {
  'image/png': 'image',
  'image/jpeg': 'image',
  'image/gif': 'image',
  'image/webp': 'image',
  'application/pdf': 'document',
  'text/plain': 'document',
};

/**
 * The gateway is the provider: no window (the visitor's browser is reached whenever it is
 * there), a reply is sent when it is on the visitor's feed, one conversation per visitor.
 */
export const WEBCHAT_CAPABILITIES: ChannelCapabilities = {
  window: null,
  outbound: ['text', 'image', 'document'],
  mediaMaxBytes: MEDIA_MAX_BYTES,
  sendPerSecond: 1000,
  templates: null,
  conversations: 'contact',
  reportsSent: false,
  gatewayIsProvider: true,
};
