import { ProviderSendError } from '../contract.js';
import type { InteractiveSend, MediaKind, MessageContent } from '../../src/domain/message.js';

/** Meta's limits checked before the call, so an agent learns why instead of a generic 100. */
const TEXT_MAX_CHARS = 2000;
const BUTTON_TEXT_MAX_CHARS = 640;
const MAX_BUTTONS = 3;
const BUTTON_TITLE_MAX_CHARS = 20;
const MAX_QUICK_REPLIES = 13;
const PAYLOAD_MAX_CHARS = 1000;

/** Send API attachment types by our media kind. */
const ATTACHMENT_TYPES = { image: 'image', video: 'video', audio: 'audio', document: 'file' } as const;
export type SendableKind = keyof typeof ATTACHMENT_TYPES;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[SendableKind];

/** How an attachment reaches Meta: an uploaded (or earlier) attachment id, or a URL Meta fetches. */
export type AttachmentSource = { attachment_id: string } | { url: string; is_reusable: true };

export type MediaContent = Extract<MessageContent, { type: MediaKind }>;

/**
 * Everything of a Send API body but the recipient and messaging type: a message, or a
 * reaction (a sender action on one of the contact's messages).
 */
export type RequestBody =
  | { message: Record<string, unknown> }
  | { sender_action: 'react' | 'unreact'; payload: { message_id: string; reaction?: string } };

export const refuse = (code: string, title: string) => new ProviderSendError(code, title, 'final');

/** Characters as people count them (an emoji is one), not UTF-16 units. */
const length = (s: string) => [...s].length;

export function attachmentTypeOf(kind: SendableKind): AttachmentType {
  return ATTACHMENT_TYPES[kind];
}

/**
 * The content part of a Send API body. Content is checked before `resolveMedia` runs, so
 * nothing is uploaded for a message that would be refused anyway.
 */
export async function requestBody(content: MessageContent, resolveMedia: (kind: SendableKind, content: MediaContent) => Promise<AttachmentSource>): Promise<RequestBody> {
  switch (content.type) {
    case 'text':
      return { message: { text: checkedText(content.text, TEXT_MAX_CHARS) } };
    case 'image':
    case 'video':
    case 'audio':
    case 'document': {
      if (content.caption?.trim()) {
        throw refuse('content_invalid', 'Messenger attachments cannot carry a caption: send the text as its own message');
      }
      const payload = await resolveMedia(content.type, content);
      return { message: { attachment: { type: attachmentTypeOf(content.type), payload } } };
    }
    case 'interactive':
      return { message: interactiveMessage(content.interactive) };
    case 'reaction':
      // No emoji: our reaction is removed.
      return content.emoji
        ? { sender_action: 'react', payload: { message_id: content.targetProviderMessageId, reaction: content.emoji } }
        : { sender_action: 'unreact', payload: { message_id: content.targetProviderMessageId } };
    default:
      throw refuse('unsupported_content', `Messenger cannot send ${content.type} messages`);
  }
}

function checkedText(text: string, max: number): string {
  if (text.trim() === '') throw refuse('content_invalid', 'A text message needs a body');
  if (length(text) > max) throw refuse('content_too_long', `Text is longer than ${max} characters`);
  return text;
}

function checkedPayload(id: string): string {
  if (id === '' || length(id) > PAYLOAD_MAX_CHARS) throw refuse('content_invalid', `Button and row ids: 1 to ${PAYLOAD_MAX_CHARS} characters`);
  return id;
}

/**
 * Messenger has neither headers nor footers: they frame the body text, a blank line apart.
 * Reply buttons become a button template with postback buttons (a tap arrives as a postback);
 * a list becomes quick replies over all its sections' rows (a tap arrives as a message with the
 * row id as quick-reply payload). Row descriptions, section titles and the list's button text
 * have no place in Messenger and are left out.
 */
function interactiveMessage(interactive: InteractiveSend): Record<string, unknown> {
  const text = [interactive.header, interactive.body, interactive.footer].filter((part) => part?.trim()).join('\n\n');
  if (interactive.kind === 'buttons') {
    const count = interactive.buttons.length;
    if (count === 0 || count > MAX_BUTTONS) throw refuse('content_invalid', `Buttons: 1 to ${MAX_BUTTONS}, got ${count}`);
    const buttons = interactive.buttons.map((b) => {
      if (b.title.trim() === '' || length(b.title) > BUTTON_TITLE_MAX_CHARS) {
        throw refuse('content_invalid', `Button titles: 1 to ${BUTTON_TITLE_MAX_CHARS} characters, got "${b.title}"`);
      }
      return { type: 'postback', title: b.title, payload: checkedPayload(b.id) };
    });
    return { attachment: { type: 'template', payload: { template_type: 'button', text: checkedText(text, BUTTON_TEXT_MAX_CHARS), buttons } } };
  }
  const rows = interactive.sections.flatMap((s) => s.rows);
  if (rows.length === 0 || rows.length > MAX_QUICK_REPLIES) {
    throw refuse('content_invalid', `List rows: 1 to ${MAX_QUICK_REPLIES} in all sections, got ${rows.length}`);
  }
  return {
    text: checkedText(text, TEXT_MAX_CHARS),
    // Meta shortens quick-reply titles past 20 characters itself.
    quick_replies: rows.map((r) => {
      if (r.title.trim() === '') throw refuse('content_invalid', 'List rows need a title');
      return { content_type: 'text', title: r.title, payload: checkedPayload(r.id) };
    }),
  };
}
