import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/connections.js';
import { redisKeys } from '../redis/keys.js';

/** What a session token starts with, so a credential is told from an API key (`og_`) at a glance. */
export const SESSION_TOKEN_PREFIX = 'ogs_';
/** A session lasts a working day; then the agent signs in again with the key. */
export const SESSION_TTL_SECONDS = 8 * 3600;

/**
 * Short-lived stand-ins for an API key, for browser clients (the agent console): a page keeps the
 * token in memory instead of the key. Redis holds only the token's hash, mapped to the key's id
 * and expiring with the session, so ending a session or revoking its key ends it everywhere.
 */
export class SessionTokens {
  constructor(private readonly deps: { redis: RedisClient; keyPrefix: string }) {}

  async create(keyId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    await this.deps.redis.set(this.keyOf(token), keyId, 'EX', SESSION_TTL_SECONDS);
    // Redis expires the session on its own clock, real time: its end is told in real time too.
    return { token, expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000) };
  }

  /** The id of the API key the session stands for; null once it expired or ended. */
  apiKeyIdOf(token: string): Promise<string | null> {
    return this.deps.redis.get(this.keyOf(token));
  }

  async end(token: string): Promise<void> {
    await this.deps.redis.del(this.keyOf(token));
  }

  private keyOf(token: string): string {
    return redisKeys(this.deps.keyPrefix).session(createHash('sha256').update(token).digest('hex'));
  }
}
