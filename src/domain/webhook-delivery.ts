/** Deliveries of events to helpdesk webhooks: where each one stands. */

export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'gone'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
