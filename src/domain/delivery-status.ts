/**
 * Outbound delivery statuses and their order. Providers deliver status callbacks late, twice
 * and out of order; a message's status only ever moves to a higher rank. `accepted`: the
 * provider's API took the message; `sent`: the provider says it went out, for channels whose
 * provider reports that later (ChannelCapabilities.reportsSent), else at acceptance.
 */
export const DELIVERY_STATUSES = ['queued', 'accepted', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Status of a stored message: outbound ones move through DELIVERY_STATUSES, inbound are `received`. */
export type MessageStatus = DeliveryStatus | 'received';

const RANK: Record<DeliveryStatus, number> = { queued: 0, accepted: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

/** The statuses a message may currently hold for `next` to be an advance. */
export function statusesBelow(next: DeliveryStatus): DeliveryStatus[] {
  return DELIVERY_STATUSES.filter((s) => RANK[s] < RANK[next]);
}
