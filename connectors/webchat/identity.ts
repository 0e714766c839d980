import { createHmac } from 'node:crypto';
import { sameText } from './visitor-token.js';

/**
 * A logged-in visitor's id as the business vouches for it: its server computes
 * HMAC-SHA256(identitySecret, userId) in hex and the page passes both (as Intercom's and
 * Chatwoot's identity verification do). Only a matching pair is accepted.
 */
export function isVouchedUser(identitySecret: string | undefined, userId: string, userHash: string): boolean {
  if (!identitySecret) return false;
  return sameText(userHash.toLowerCase(), createHmac('sha256', identitySecret).update(userId).digest('hex'));
}

/** The external id of a verified user: the same on every device, never one an anonymous visitor gets. */
export const userVisitorId = (userId: string) => `user:${userId}`;
