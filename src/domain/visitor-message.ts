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
