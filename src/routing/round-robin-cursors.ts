import type { RedisClient } from '../redis/connections.js';
import type { Types } from 'mongoose';
import { redisKeys } from '../redis/keys.js';

/**
 * The member each round-robin queue assigned last, in one Redis hash shared by every process: a
 * HINT of where to start, like the loads (LoadHints). A lost or stale cursor only starts the
 * round elsewhere; the slot claims decide every assignment. Kept out of the queue record, so an
 * assignment writes nothing to it and the queues can be cached (WorkspaceQueues). A deleted queue leaves one short field behind.
 */
export class RoundRobinCursors {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = redisKeys(prefix).roundRobinCursors;
  }

  async of(queueId: Types.ObjectId): Promise<string | null> {
    return this.redis.hget(this.key, String(queueId));
  }

  async moveTo(queueId: Types.ObjectId, agentId: Types.ObjectId): Promise<void> {
    await this.redis.hset(this.key, String(queueId), String(agentId));
  }
}
