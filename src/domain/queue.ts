/** Routing queues: how a queue hands its conversations to its members. */

export const ROUTING_STRATEGIES = ['manual', 'round_robin', 'least_busy'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];
