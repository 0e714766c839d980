import type { Types } from 'mongoose';
import type { RedisClient } from '../redis/connections.js';
import { Subscriber } from '../redis/subscriber.js';

/**
 * Records that rarely change but are read for every message or event (a workspace's settings,
 * its webhook subscriptions, its automation rules), kept in each process. Whoever changes one
 * calls `invalidate`: the key is dropped here and announced on one Redis pub/sub channel, and
 * every other process drops its copy when the notice arrives. A notice can be missed while a
 * process's subscriber is reconnecting, so every copy is dropped on reconnect too, and no copy
 * is kept longer than `ttlMs` whatever happens.
 */
export class SharedCache {
  private readonly entries = new Map<string, { at: number; value: unknown }>();
  /** Bumped by every invalidation of a key: a load that began before it must not store its result. */
  private readonly generations = new Map<string, number>();
  /** Bumped when everything is dropped (a reconnect), for the same reason. */
  private epoch = 0;
  private subscriber: Subscriber | undefined;

  constructor(
    private readonly deps: { redis: RedisClient; channel: string; ttlMs: number },
  ) {}

  /** Starts listening for other processes' invalidations; resolves once subscribed. */
  async start(): Promise<void> {
    const subscriber = new Subscriber(this.deps.redis);
    this.subscriber = subscriber;
    subscriber.on('message', (_channel, key) => this.forget(key));
    // Notices sent while we were away are lost: start over from the store.
    subscriber.on('ready', () => this.clear());
    await subscriber.subscribe(this.deps.channel);
  }

  async stop(): Promise<void> {
    await this.subscriber?.close();
    this.subscriber = undefined;
    this.clear();
  }

  /** The value under `key`, loaded once and kept until invalidated or older than the TTL. */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.at < this.deps.ttlMs) return entry.value as T;
    const began = { epoch: this.epoch, generation: this.generations.get(key) ?? 0 };
    const value = await load();
    if (this.epoch === began.epoch && (this.generations.get(key) ?? 0) === began.generation) this.entries.set(key, { at: Date.now(), value });
    return value;
  }

  /** Drops `key` here and in every other process. Call it after the change is stored. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    await this.deps.redis.publish(this.deps.channel, key);
  }

  private forget(key: string): void {
    this.entries.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  private clear(): void {
    this.entries.clear();
    this.epoch++;
  }
}

/**
 * One kind of cached record per workspace (its settings, its subscriptions, its rules): `of`
 * reads through the shared cache, `changed` is what every writer of that kind calls after the write.
 */
export class PerWorkspace<T> {
  constructor(
    private readonly cache: SharedCache,
    /** Names the kind in the cache keys and invalidation notices. */
    private readonly kind: string,
    private readonly load: (workspaceId: Types.ObjectId) => Promise<T>,
  ) {}

  of(workspaceId: Types.ObjectId): Promise<T> {
    return this.cache.get(this.keyOf(workspaceId), () => this.load(workspaceId));
  }

  changed(workspaceId: Types.ObjectId): Promise<void> {
    return this.cache.invalidate(this.keyOf(workspaceId));
  }

  private keyOf(workspaceId: Types.ObjectId): string {
    return `${this.kind}:${String(workspaceId)}`;
  }
}
