/** Who wrote a message, as a web chat visitor sees it: never which agent or tool. */
export type VisitorAuthor = 'visitor' | 'business';

/**
 * A message as the web chat widget shows it (the visitor API's `VisitorMessage`): nothing
 * internal, media as links signed for the visitor. The gateway writes it, the widget reads it.
 */
export interface VisitorMessage {
  id: string;
  conversationId: string;
  from: VisitorAuthor;
  /** The visitor's own id for a message it sent (its retries and its optimistic bubble use it). */
  clientMessageId: string | null;
  type: 'text' | 'image' | 'document' | 'unsupported';
  text: string | null;
  media: { url: string; mimeType: string | null; filename: string | null } | null;
  status: string;
  createdAt: string;
  /** When the business's message reached the visitor's feed: what the visitor's receipts name. */
  sentAt: string | null;
}

/** What a widget may choose as a message's id: no `:`, so a provider id splits one way only. */
export const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** A visitor's message's provider id: the visitor's id and the widget's id for it. */
export const visitorProviderMessageId = (visitorId: string, clientMessageId: string) => `${visitorId}:${clientMessageId}`;

/**
 * The widget's id of a visitor's own message, from its provider id; null for another visitor's
 * (a logged-in user's id may itself hold `:`, so `user:a` must not claim `user:a:b`'s messages).
 */
export function ownClientMessageId(providerMessageId: string | null | undefined, visitorId: string): string | null {
  const prefix = `${visitorId}:`;
  if (!providerMessageId?.startsWith(prefix)) return null;
  const rest = providerMessageId.slice(prefix.length);
  return CLIENT_MESSAGE_ID.test(rest) ? rest : null;
}
