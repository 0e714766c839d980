import type { RedisClient } from '../redis/connections.js';
import type { Store } from '../store/index.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import { withScripts } from '../redis/scripts.js';
import { feedItemsOf, realtimeKeys, type FeedEntry, type StreamEntry } from './entry.js';

/** About how many events per workspace a reconnecting client can catch up on. */
export const REPLAY_LENGTH = 1000;
/** How long an event id is remembered as published: an events job re-run within it publishes nothing. */
const SEEN_TTL_SECONDS = 24 * 60 * 60;

/**
 * Puts domain events about conversations on the real-time feed, from the events worker of
 * whichever process handled them; every gateway process delivers them to its own clients.
 */
export class LiveFeedPublisher {
  constructor(private readonly deps: { redis: RedisClient; store: Store; keyPrefix: string; replayLength?: number }) {
    withScripts(deps.redis);
  }

  /**
   * The stream id the event got, or null when it is not a real-time event or was published before.
   * `queueId`: the conversation's queue when the caller knows it now (routing just gave it one).
   */
  async publish(event: DomainEventDoc, known: { queueId?: string } = {}): Promise<string | null> {
    if (!event.conversationId) return null;
    const workspaceId = String(event.workspaceId);
    const entry: FeedEntry = {
      type: event.type,
      occurredAt: event.occurredAt.toISOString(),
      conversationId: String(event.conversationId),
      queueId: known.queueId ?? (await this.queueOf(event)),
      data: event.data,
    };
    const keys = realtimeKeys(this.deps.keyPrefix, workspaceId);
    // Kept and announced once, or not at all (src/redis/scripts/realtime-publish.lua).
    const id = await this.deps.redis.realtimePublish(
      keys.seen(event._id),
      keys.stream,
      String(SEEN_TTL_SECONDS),
      String(this.deps.replayLength ?? REPLAY_LENGTH),
      JSON.stringify(entry),
      keys.channel,
    );
    return typeof id === 'string' ? id : null;
  }

  /**
   * Takes a deleted conversation's events out of the workspace's replay (its last REPLAY_LENGTH
   * events), so no client catching up later reads its words; the number taken out.
   */
  async forgetConversation(workspaceId: string, conversationId: string): Promise<number> {
    const { stream } = realtimeKeys(this.deps.keyPrefix, workspaceId);
    const entries = (await this.deps.redis.xrange(stream, '-', '+')) as StreamEntry[];
    const ids = feedItemsOf(entries).flatMap((item) => (item.id !== null && item.entry.conversationId === conversationId ? [item.id] : []));
    if (ids.length > 0) await this.deps.redis.xdel(stream, ...ids);
    return ids.length;
  }

  /** Typing is only for whoever watches now: published, never kept for replay. */
  async publishTyping(workspaceId: string, entry: FeedEntry): Promise<void> {
    await this.deps.redis.publish(realtimeKeys(this.deps.keyPrefix, workspaceId).channel, JSON.stringify({ id: null, entry }));
  }

  /**
   * The conversation's queue when the event was written, from its snapshot; read from the store
   * only when the snapshot has none: a new conversation gets its queue in the events job of
   * conversation.created, after its first events were written, and message status events carry
   * no conversation at all.
   */
  private async queueOf(event: DomainEventDoc): Promise<string | undefined> {
    const snapshot = (event.data.conversation as { queueId?: unknown } | undefined)?.queueId;
    if (typeof snapshot === 'string') return snapshot;
    const current = await this.deps.store.conversations
      .findOne({ _id: event.conversationId, workspaceId: event.workspaceId }, { queueId: 1 })
      .lean();
    return current?.queueId ? String(current.queueId) : undefined;
  }
}
