import type { RedisClient } from '../redis/connections.js';
import type { Types } from 'mongoose';
import { redisKeys } from '../redis/keys.js';

/**
 * How many capacity slots each agent holds, kept in one Redis hash shared by every process, as a
 * HINT for ordering routing candidates (least busy first) without reading agent_slots on every
 * offer. The slot claims stay the authority: a stale count can only make routing try agents in a
 * worse order, never assign beyond capacity. Counts move when a slot is taken or freed, and
 * reconcileSlots rewrites them from agent_slots every minute, which bounds any drift (say a crash
 * between a claim and its count). The hash expires a day after its last change, so an idle
 * prefix leaves nothing behind; a lost hash only means loads of 0 until the next rewrite.
 */
const TTL_SECONDS = 86_400;

export class LoadHints {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = redisKeys(prefix).agentLoad;
  }

  async taken(agentId: Types.ObjectId): Promise<void> {
    await this.add(agentId, 1);
  }

  async freed(agentId: Types.ObjectId): Promise<void> {
    await this.add(agentId, -1);
  }

  /** The hinted load of each agent; one never counted holds nothing. */
  async of(agentIds: readonly Types.ObjectId[]): Promise<Map<string, number>> {
    if (agentIds.length === 0) return new Map();
    const ids = agentIds.map(String);
    const values = await this.redis.hmget(this.key, ...ids);
    return new Map(ids.map((id, i) => [id, Math.max(0, Number(values[i] ?? 0))]));
  }

  /** Replaces every count with the ones read from agent_slots. */
  async reset(loads: ReadonlyMap<string, number>): Promise<void> {
    const tx = this.redis.multi().del(this.key);
    if (loads.size > 0) tx.hset(this.key, Object.fromEntries(loads)).expire(this.key, TTL_SECONDS);
    await tx.exec();
  }

  private async add(agentId: Types.ObjectId, delta: number): Promise<void> {
    await this.redis.multi().hincrby(this.key, String(agentId), delta).expire(this.key, TTL_SECONDS).exec();
  }
}
