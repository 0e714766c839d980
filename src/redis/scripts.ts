import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from './connections.js';
import { assertOneSlot } from './hash-slots.js';

/**
 * The gateway's own Lua scripts, one file each under ./scripts (their headers name KEYS, ARGV and
 * what they return), registered on a client as commands: ioredis sends EVALSHA and loads a script
 * only when Redis does not know it yet.
 */
const SCRIPTS = {
  rateDecision: { file: 'rate-decision.lua', keys: 1 },
  realtimePublish: { file: 'realtime-publish.lua', keys: 2 },
  endpointSlotAcquire: { file: 'endpoint-slot-acquire.lua', keys: 1 },
  leaseRenew: { file: 'lease-renew.lua', keys: 1 },
  leaseRelease: { file: 'lease-release.lua', keys: 1 },
} as const;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rateDecision(key: string, intervalMs: string, burst: string): Result<[number, number, number], Context>;
    realtimePublish(seenKey: string, stream: string, seenSeconds: string, maxLength: string, entry: string, channel: string): Result<string | null, Context>;
    endpointSlotAcquire(key: string, now: string, limit: string, expiresAt: string, holder: string, keyTtlMs: string): Result<number, Context>;
    leaseRenew(key: string, token: string, ttlMs: string): Result<number, Context>;
    leaseRelease(key: string, token: string): Result<number, Context>;
  }
}

const sources = new Map<string, string>();

/** The client, with the scripts registered on it (once per client: repeating is harmless). */
export function withScripts<T extends RedisClient>(redis: T): T {
  for (const [name, { file, keys }] of Object.entries(SCRIPTS)) {
    if (name in redis) continue;
    if (!sources.has(file)) sources.set(file, readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8'));
    redis.defineCommand(name, { numberOfKeys: keys, lua: sources.get(file)! });
    if (keys > 1) checkSlotOnEachCall(redis, name, keys);
  }
  return redis;
}

/**
 * A Redis Cluster runs a script only when all its keys hash to one slot. A single Redis does not
 * care, so every call checks it, whatever the deployment: a key that breaks the rule fails its
 * first test rather than a cluster in production. (A string comparison, next to a round trip.)
 */
function checkSlotOnEachCall(redis: RedisClient, name: string, keys: number): void {
  const commands = redis as unknown as Record<string, (...args: string[]) => unknown>;
  const call = commands[name]!;
  commands[name] = (...args) => {
    assertOneSlot(name, args.slice(0, keys));
    return call.apply(redis, args);
  };
}
