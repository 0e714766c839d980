/**
 * Every Redis key and channel the gateway names itself (BullMQ names its queues' own), all under
 * QUEUE_PREFIX so one Redis can serve several installations and a benchmark's run can be removed
 * by its prefix. Keys that one script touches together share a {hash tag}, so a Redis Cluster
 * keeps them in one slot.
 */
export function redisKeys(prefix: string) {
  return {
    /** Hash: agent id → slots held, a routing hint (src/routing/load-hints.ts). */
    agentLoad: `${prefix}:agent-load`,
    /** Hash: queue id → the member a round-robin queue assigned last (src/routing/round-robin-cursors.ts). */
    roundRobinCursors: `${prefix}:rr-cursor`,
    /** A GCRA limit's theoretical arrival time (src/redis/rate-limiter.ts). */
    rate: (key: string) => `${prefix}:rate:${key}`,
    /** Set once a provider accepted a send attempt (src/outbound/send-worker.ts). */
    sendAccepted: (messageId: string, round: number) => `${prefix}:accepted:${messageId}:${round}`,
    /** Sorted set of the requests open to one webhook endpoint (src/webhooks/endpoint-slots.ts). */
    webhookSlots: (subscriptionId: string) => `${prefix}:webhook-slots:${subscriptionId}`,
    /** Counter breaking ties between deliveries of events with the same time (src/webhooks/dispatcher.ts). */
    webhookDeliverySeq: `${prefix}:webhook-delivery-seq`,
    /** The lease of the process watching one mailbox (src/ingest/pull-manager.ts). */
    pullLease: (channelId: string) => `${prefix}:pull-lease:${channelId}`,
    /** A console session: the SHA-256 of its token → the API key's id, expiring with it (src/sessions/session-tokens.ts). */
    session: (tokenHash: string) => `${prefix}:session:${tokenHash}`,
    /** Pub/sub channel of the shared cache's invalidation notices (src/cache/shared-cache.ts). */
    cacheInvalidations: `${prefix}:cache-invalidations`,
    /** A workspace's real-time stream, its pub/sub channel, and the events published to it (src/realtime/). */
    realtime: (workspaceId: string) => {
      const stream = `${prefix}:realtime:{${workspaceId}}`;
      return { stream, channel: stream, seen: (eventId: string) => `${stream}:seen:${eventId}` };
    },
  };
}
