/**
 * Outbound delivery statuses and their order. Providers deliver status callbacks late, twice
 * and out of order; a message's status only ever moves to a higher rank.
 */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Status of a stored message: outbound ones move through DELIVERY_STATUSES, inbound are `received`. */
export type MessageStatus = DeliveryStatus | 'received';

const RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** The statuses a message may currently hold for `next` to be an advance. */
export function statusesBelow(next: DeliveryStatus): DeliveryStatus[] {
  return DELIVERY_STATUSES.filter((s) => RANK[s] < RANK[next]);
}
