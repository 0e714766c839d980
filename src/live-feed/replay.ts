import type { RedisClient } from '../redis/connections.js';
import { compareEventIds, feedItemsOf, type FeedItem, type StreamEntry } from './entry.js';

/** Entries read per round trip; a replay sends a page before reading the next. */
export const REPLAY_PAGE = 200;


/** Reads a workspace's stream of kept events after a client's cursor. */
export class ReplayReader {
  constructor(private readonly redis: RedisClient) {}

  /** The newest kept id, or 0-0 when nothing was kept: where a client without a cursor starts. */
  async tail(stream: string): Promise<string> {
    const [last] = (await this.redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last ? last[0] : '0-0';
  }

  /**
   * Whether everything after `after` is still kept, read in the same transaction as the first
   * page. Trimming only removes the oldest entries, so once any were removed (Redis 7 counts
   * what was ever added), a cursor before the first kept entry may have missed some: the client
   * is told to refetch (at worst needlessly, when its cursor was the last entry removed). A
   * missing stream with a real cursor means the kept events are gone altogether.
   */
  async open(stream: string, after: string): Promise<{ complete: boolean; page: FeedItem[] }> {
    // exec() answers null only for a WATCHed transaction, and this one watches nothing.
    const [[infoErr, info], [rangeErr, range]] = (await this.redis
      .multi()
      .xinfo('STREAM', stream)
      .xrange(stream, `(${after}`, '+', 'COUNT', REPLAY_PAGE)
      .exec()) as [[Error | null, unknown], [Error | null, unknown]];
    if (rangeErr) throw rangeErr;
    if (infoErr) return { complete: after === '0-0', page: [] };
    const fields = info as unknown[];
    const field = (name: string) => {
      const at = fields.indexOf(name);
      if (at < 0) throw new Error(`Replay needs Redis 7 or later (XINFO STREAM ${name})`);
      return String(fields[at + 1]);
    };
    const trimmed = Number(field('entries-added')) > Number(field('length'));
    const complete = !trimmed || compareEventIds(after, field('recorded-first-entry-id')) >= 0;
    return { complete, page: feedItemsOf(range as StreamEntry[]) };
  }

  async page(stream: string, after: string): Promise<FeedItem[]> {
    return feedItemsOf((await this.redis.xrange(stream, `(${after}`, '+', 'COUNT', REPLAY_PAGE)) as StreamEntry[]);
  }
}

