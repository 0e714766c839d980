import type { MessageContent } from './message.js';

/**
 * Mail held back from conversations: it waits, `held`, for an admin who lists it and may release
 * it, which ingests it like any other mail (`released`).
 */
export const QUARANTINE_STATES = ['held', 'released'] as const;
export type QuarantineState = (typeof QUARANTINE_STATES)[number];

/** Mail no person sent to us (mailing lists, bulk senders) is held instead of opening a conversation. */
export function isHeldForReview(content: MessageContent): boolean {
  return content.type === 'email' && content.bulk === true;
}
