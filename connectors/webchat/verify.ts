import type { WebhookRequest } from '../contract.js';
import { readVisitorEvent } from './parse.js';
import type { WebchatChannel } from './settings.js';
import { readVisitorToken, sameText } from './visitor-token.js';

/**
 * A visitor event is genuine when it comes with an unexpired token this channel signed for the
 * very visitor it names.
 */
export function verifyVisitorEvent(req: WebhookRequest & { receivedAt?: Date }, channel: WebchatChannel): boolean {
  const header = req.headers.authorization;
  const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  if (!token) return false;
  const claims = readVisitorToken(channel.secrets.visitorTokenSecret, token, channel.id, req.receivedAt ?? new Date());
  if (!claims) return false;
  try {
    return sameText(readVisitorEvent(req.rawBody).visitorId, claims.visitorId);
  } catch {
    return false;
  }
}
