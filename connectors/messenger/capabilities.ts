import type { MediaKind, MessageType } from '../../src/domain/message.js';
import type { MessengerChannel } from './settings.js';
import { MESSAGE_TAGS, type ChannelCapabilities, type WindowRule } from '../../src/domain/channel.js';

const MB = 1024 * 1024;

/**
 * Meta takes attachments up to 25 MB of every kind (an image Meta fetches from a URL: 8 MB,
 * which only Meta can check). Stickers are received only, at most as large as an image.
 */
export const MEDIA_MAX_BYTES: Readonly<Record<MediaKind, number>> = {
  image: 25 * MB,
  video: 25 * MB,
  audio: 25 * MB,
  document: 25 * MB,
  sticker: 25 * MB,
};

/** Meta's Send API rate per Page is about 300/s for text, but about 10/s for audio and video. */
export const SEND_PER_SECOND_BY_TYPE: Readonly<Partial<Record<MessageType, number>>> = {
  audio: 10,
  video: 10,
};

/** 24 h of standard messaging; after it, only a message tag (HUMAN_AGENT: up to 7 days). */
const WINDOW: Extract<WindowRule, { outside: 'tag' }> = { hours: 24, outside: 'tag', tags: MESSAGE_TAGS, humanAgentHours: 168 };

export const MESSENGER_CAPABILITIES: ChannelCapabilities = {
  window: WINDOW,
  outbound: ['text', 'image', 'video', 'audio', 'document', 'interactive', 'reaction'],
  mediaMaxBytes: MEDIA_MAX_BYTES,
  sendPerSecond: 300,
  sendPerSecondByType: SEND_PER_SECOND_BY_TYPE,
  templates: null,
  conversations: 'contact',
  reportsSent: false,
};

/** HUMAN_AGENT is offered only to channels whose app was approved for it. */
export function windowRuleOf(channel: Pick<MessengerChannel, 'settings'>): WindowRule {
  if (channel.settings.humanAgentEnabled === true) return WINDOW;
  return { ...WINDOW, tags: MESSAGE_TAGS.filter((tag) => tag !== 'HUMAN_AGENT') };
}
