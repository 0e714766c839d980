import { redisKeys } from '../redis/keys.js';
/**
 * What flows through Redis for the real-time API: one entry per event, kept in a bounded stream
 * per workspace (the replay) and published on a channel of the same name (live delivery).
 */
export interface FeedEntry {
  type: string;
  occurredAt: string;
  conversationId?: string;
  /** The conversation's queue when published: what queue subscriptions match on. */
  queueId?: string;
  data: Record<string, unknown>;
  /** The connection a typing notice came from; it does not get its own notice back. */
  origin?: string;
}

/** An entry with its stream id, the client's replay cursor; null for typing, which is not kept. */
export interface FeedItem {
  id: string | null;
  entry: FeedEntry;
}

/** A workspace's real-time keys (src/redis/keys.ts), which share a hash tag: one script writes them all. */
export function realtimeKeys(prefix: string, workspaceId: string) {
  return redisKeys(prefix).realtime(workspaceId);
}

/** A stream entry as Redis answers XRANGE: its id and its fields, the feed's one field `entry`. */
export type StreamEntry = [id: string, fields: string[]];

/** The feed's items of stream entries. */
export function feedItemsOf(entries: StreamEntry[]): FeedItem[] {
  return entries.map(([id, fields]) => ({ id, entry: JSON.parse(fields[fields.indexOf('entry') + 1] ?? '{}') as FeedEntry }));
}

/** What a client receives for an event. */
export function toFrame({ id, entry }: FeedItem) {
  return {
    id,
    type: entry.type,
    occurredAt: entry.occurredAt,
    ...(entry.conversationId && { conversationId: entry.conversationId }),
    ...(entry.queueId && { queueId: entry.queueId }),
    data: entry.data,
  };
}

const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

/** A Redis stream id (`<ms>-<seq>`), the only cursor a client may resume from. */
export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

/** Orders stream ids numerically (as text, 9-... would sort after 10-...). */
export function compareEventIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}
