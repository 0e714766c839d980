import { ProviderSendError } from '../contract.js';
import type { InteractiveSend, MediaKind, MessageContent } from '../../src/domain/message.js';
import { withoutUndefined } from '../support/objects.js';

/** Meta's limits checked before the call, so an agent learns why instead of a generic 100. */
const TEXT_MAX_CHARS = 4096;
const CAPTION_MAX_CHARS = 1024;
const MAX_REPLY_BUTTONS = 3;
const MAX_LIST_ROWS = 10;

const CAPTIONED: ReadonlySet<MediaKind> = new Set(['image', 'video', 'document']);

/** How the media of an outbound message is handed to Meta: an uploaded id or a public link. */
export type MediaSource = { id: string } | { link: string };

/** Everything of a send body but the envelope (messaging_product, recipient, context). */
export type ContentBody = { type: string } & Record<string, unknown>;

export const refuse = (code: string, title: string) => new ProviderSendError(code, title, 'final');

/** Characters as people count them (an emoji is one), not UTF-16 units. */
const length = (s: string) => [...s].length;

export type MediaContent = Extract<MessageContent, { type: MediaKind }>;

/** Where a media message's bytes are for Meta; `filename` names a document the content leaves unnamed. */
export interface ResolvedMedia {
  source: MediaSource;
  filename?: string;
}

/**
 * The type-specific part of a Graph send body. Content is checked before `resolveMedia` runs,
 * so nothing is uploaded for a message that would be refused anyway.
 */
export async function contentBody(
  content: MessageContent,
  resolveMedia: (content: MediaContent) => Promise<ResolvedMedia>,
): Promise<ContentBody> {
  switch (content.type) {
    case 'text':
      if (content.text.trim() === '') throw refuse('content_invalid', 'A text message needs a body');
      if (length(content.text) > TEXT_MAX_CHARS) throw refuse('content_too_long', `Text is longer than ${TEXT_MAX_CHARS} characters`);
      return { type: 'text', text: { body: content.text, preview_url: false } };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return mediaBody(content, resolveMedia);
    case 'location':
      return {
        type: 'location',
        location: withoutUndefined({ latitude: content.latitude, longitude: content.longitude, name: content.name, address: content.address }),
      };
    case 'contacts':
      if (content.contacts.length === 0) throw refuse('content_invalid', 'A contacts message needs at least one card');
      return { type: 'contacts', contacts: content.contacts };
    case 'template': {
      const { name, language, components } = content.template;
      // Our component values are Meta's own shape, passed through as they are.
      return { type: 'template', template: { name, language: { code: language }, ...(components.length > 0 && { components }) } };
    }
    case 'interactive':
      return { type: 'interactive', interactive: interactiveBody(content.interactive) };
    case 'reaction':
      // An empty emoji removes our reaction.
      return { type: 'reaction', reaction: { message_id: content.targetProviderMessageId, emoji: content.emoji ?? '' } };
    default:
      throw refuse('unsupported_content', `WhatsApp cannot send ${content.type} messages`);
  }
}

async function mediaBody(
  content: MediaContent,
  resolveMedia: (content: MediaContent) => Promise<ResolvedMedia>,
): Promise<ContentBody> {
  const caption = content.caption?.trim() ? content.caption : undefined;
  if (caption !== undefined) {
    if (!CAPTIONED.has(content.type)) throw refuse('content_invalid', `WhatsApp ${content.type} messages cannot carry a caption`);
    if (length(caption) > CAPTION_MAX_CHARS) throw refuse('content_too_long', `Caption is longer than ${CAPTION_MAX_CHARS} characters`);
  }
  const media = await resolveMedia(content);
  const filename = content.type === 'document' ? (content.filename ?? media.filename) : undefined;
  return { type: content.type, [content.type]: withoutUndefined({ ...media.source, caption, filename }) };
}

function interactiveBody(interactive: InteractiveSend): Record<string, unknown> {
  const frame = withoutUndefined({
    header: interactive.header ? { type: 'text', text: interactive.header } : undefined,
    body: { text: interactive.body },
    footer: interactive.footer ? { text: interactive.footer } : undefined,
  });
  if (interactive.kind === 'buttons') {
    const count = interactive.buttons.length;
    if (count === 0 || count > MAX_REPLY_BUTTONS) throw refuse('content_invalid', `Reply buttons: 1 to ${MAX_REPLY_BUTTONS}, got ${count}`);
    return {
      type: 'button',
      ...frame,
      action: { buttons: interactive.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
    };
  }
  const rows = interactive.sections.reduce((n, s) => n + s.rows.length, 0);
  if (rows === 0 || rows > MAX_LIST_ROWS) throw refuse('content_invalid', `List rows: 1 to ${MAX_LIST_ROWS} in all sections, got ${rows}`);
  return {
    type: 'list',
    ...frame,
    action: {
      button: interactive.buttonText,
      sections: interactive.sections.map((s) =>
        withoutUndefined({ title: s.title, rows: s.rows.map((r) => withoutUndefined({ id: r.id, title: r.title, description: r.description })) }),
      ),
    },
  };
}
