/** Conversation states; the transitions between them are the lifecycle's business. */
export const CONVERSATION_STATUSES = ['queued', 'active', 'pending', 'snoozed', 'resolved', 'closed', 'abandoned'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** States in which a conversation is finished: it holds no openThread (see lifecycle.ts for what a customer message does). */
export const ENDED_STATUSES: readonly ConversationStatus[] = ['resolved', 'closed', 'abandoned'];

export function isOpen(status: ConversationStatus): boolean {
  return !ENDED_STATUSES.includes(status);
}

/**
 * The key that makes "one open conversation per (channel, contact)" a unique index. It is set
 * while the conversation is open and removed when it ends (a sparse unique index, which works
 * on every MongoDB-compatible server, unlike partial indexes).
 */
export function openThreadKey(channelId: string, contactId: string): string {
  return `${channelId}:${contactId}`;
}

export const CONVERSATION_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type ConversationPriority = (typeof CONVERSATION_PRIORITIES)[number];
