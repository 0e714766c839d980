import { list, text } from '../../json.js';

/** A Send API body (`POST /<page id>/messages`) as the customer's Messenger shows it. */
export function renderSend(body: unknown): string {
  const action = text(body, 'sender_action');
  if (action === 'react') return `reacted ${text(body, 'payload', 'reaction') ?? ''} to a message`;
  if (action === 'unreact') return 'removed a reaction';
  if (action) return `[${action}]`;
  const attachmentType = text(body, 'message', 'attachment', 'type');
  const lines: Array<string | undefined> = [text(body, 'message', 'text')];
  if (attachmentType === 'template') {
    lines.push(text(body, 'message', 'attachment', 'payload', 'text'));
    lines.push(list(body, 'message', 'attachment', 'payload', 'buttons').map((b) => `[${text(b, 'title') ?? '?'}]`).join(' '));
  } else if (attachmentType) {
    const source = text(body, 'message', 'attachment', 'payload', 'url') ?? `attachment id ${text(body, 'message', 'attachment', 'payload', 'attachment_id') ?? '?'}`;
    lines.push(`[${attachmentType}] ${source}`);
  }
  const quickReplies = list(body, 'message', 'quick_replies').map((q) => `(${text(q, 'title') ?? '?'})`);
  if (quickReplies.length > 0) lines.push(quickReplies.join(' '));
  const tag = text(body, 'tag');
  if (tag) lines.push(`· sent with tag ${tag}`);
  return lines.filter(Boolean).join('\n');
}
