import { ownClientMessageId, type VisitorMessage } from '../domain/visitor-message.js';
import type { messageToApi } from '../representation/public-records.js';

/** A message as the business's API shows it (and as events carry it). */
type ApiMessage = ReturnType<typeof messageToApi>;

/** `mediaUrl(storedId)`: the visitor's link to a stored file of its conversation. */
export function visitorMessage(m: ApiMessage, visitorId: string, mediaUrl: (storedId: string) => string): VisitorMessage {
  const clientMessageId = m.direction === 'inbound' ? ownClientMessageId(m.providerMessageId, visitorId) : null;
  return {
    id: m.id,
    conversationId: m.conversationId,
    from: m.direction === 'inbound' ? 'visitor' : 'business',
    clientMessageId,
    ...contentOf(m.content as Record<string, unknown>, mediaUrl),
    status: m.status,
    createdAt: m.createdAt ?? '',
    sentAt: m.sentAt,
  };
}

function contentOf(content: Record<string, unknown>, mediaUrl: (storedId: string) => string): Pick<VisitorMessage, 'type' | 'text' | 'media'> {
  const type = content.type;
  if (type === 'text') return { type, text: String(content.text ?? ''), media: null };
  if (type === 'image' || type === 'document') {
    const media = content.media as { storedId?: string; mimeType?: string } | undefined;
    const filename = typeof content.filename === 'string' ? content.filename : null;
    return {
      type,
      text: typeof content.caption === 'string' ? content.caption : null,
      media: media?.storedId ? { url: mediaUrl(media.storedId), mimeType: media.mimeType ?? null, filename } : null,
    };
  }
  return { type: 'unsupported', text: null, media: null };
}

/** Whether an API message is one the visitor may see: its own channel and contact, never a note. */
export function isVisitorsMessage(m: Pick<ApiMessage, 'channelId' | 'contactId' | 'internal'>, channelId: string, contactId: string): boolean {
  return m.channelId === channelId && m.contactId === contactId && !m.internal;
}
