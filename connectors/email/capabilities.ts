import type { MediaKind } from '../../src/domain/message.js';
import type { ChannelCapabilities } from '../../src/domain/channel.js';

const MB = 1024 * 1024;

/**
 * Largest attachment we send or keep, per file. 25 MB is the common SMTP ceiling (Gmail,
 * Outlook.com); servers with other limits answer 552, which fails the send as final.
 */
export const ATTACHMENT_MAX_BYTES = 25 * MB;

/** Email has no media kinds of its own: every kind is an attachment under the same limit. */
export const MEDIA_MAX_BYTES: Readonly<Record<MediaKind, number>> = {
  image: ATTACHMENT_MAX_BYTES,
  video: ATTACHMENT_MAX_BYTES,
  audio: ATTACHMENT_MAX_BYTES,
  document: ATTACHMENT_MAX_BYTES,
  sticker: ATTACHMENT_MAX_BYTES,
};

/**
 * No messaging window: a mail may be answered any time. `text` is sent as a plain mail, media
 * from our store as an attachment (the caption as the body), `email` lets an API caller set the
 * subject, an HTML body and several attachments. A conversation is a thread (found by the
 * Message-ID, In-Reply-To and References headers), not a contact. Mailbox providers throttle
 * SMTP submissions per account; 5 a second stays well within the common limits.
 */
export const EMAIL_CAPABILITIES: ChannelCapabilities = {
  window: null,
  outbound: ['text', 'email', 'image', 'document', 'video', 'audio'],
  mediaMaxBytes: MEDIA_MAX_BYTES,
  sendPerSecond: 5,
  templates: null,
  conversations: 'thread',
  reportsSent: false,
};
