import { list, text } from '../../json.js';
import type { TemplateCatalog } from './templates.js';

const MEDIA = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** A Cloud API send body (`POST /<phone number id>/messages`) as the customer's WhatsApp shows it. */
export function renderSend(body: unknown, templates: TemplateCatalog): string {
  const type = text(body, 'type') ?? 'text';
  if (type === 'text') return text(body, 'text', 'body') ?? '';
  if (type === 'template') return templates.render((body as Record<string, unknown>).template);
  if (MEDIA.has(type)) {
    const source = text(body, type, 'link') ?? `media id ${text(body, type, 'id') ?? '?'}`;
    const caption = text(body, type, 'caption');
    const filename = text(body, type, 'filename');
    return [`[${type}${filename ? `: ${filename}` : ''}] ${source}`, caption].filter(Boolean).join('\n');
  }
  if (type === 'location') {
    const place = [text(body, 'location', 'name'), text(body, 'location', 'address')].filter(Boolean).join(', ');
    return `📍 ${place ? `${place} ` : ''}(${text(body, 'location', 'latitude')}, ${text(body, 'location', 'longitude')})`;
  }
  if (type === 'contacts') return `👤 ${list(body, 'contacts').map((c) => text(c, 'name', 'formatted_name') ?? '?').join(', ')}`;
  if (type === 'reaction') {
    const emoji = text(body, 'reaction', 'emoji');
    return emoji ? `reacted ${emoji} to a message` : 'removed a reaction';
  }
  if (type === 'interactive') return renderInteractive(body);
  return `[${type}]`;
}

function renderInteractive(body: unknown): string {
  const frame = [text(body, 'interactive', 'header', 'text'), text(body, 'interactive', 'body', 'text'), text(body, 'interactive', 'footer', 'text')];
  const buttons = list(body, 'interactive', 'action', 'buttons').map((b) => `[${text(b, 'reply', 'title') ?? '?'}]`);
  const rows = list(body, 'interactive', 'action', 'sections').flatMap((s) => list(s, 'rows').map((r) => `• ${text(r, 'title') ?? '?'}`));
  const listButton = text(body, 'interactive', 'action', 'button');
  return [...frame, buttons.join(' '), listButton ? `☰ ${listButton}` : undefined, ...rows].filter(Boolean).join('\n');
}
