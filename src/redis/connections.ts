import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import { parseRedisUrl } from '../../config/redis-url.js';

/** A connection to one Redis or to a Redis Cluster (REDIS_URL, config/redis-url.ts): the commands are the same. */
export type RedisClient = Redis | Cluster;

/**
 * The two kinds of Redis connection of BullMQ's production guide. While Redis is away, work
 * done for a caller must fail at once (an API request answers 503, a provider retries its
 * webhook), and workers must wait and carry on when it is back. Either way, reconnecting is
 * quiet: one log line when the connection is lost and one when it is back, never one per attempt.
 */

/** Between reconnection attempts: growing from 1 s to 20 s (BullMQ's own default). */
const retryStrategy = (times: number) => Math.max(Math.min(Math.exp(times), 20_000), 1000);

/** Commands for callers: refused at once while disconnected, one retry for a command in flight. */
const FAIL_FAST: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy };

/** Workers' blocking commands wait through a reconnection (BullMQ requires it). */
export const WAIT_FOR_REDIS: RedisOptions = { enableOfflineQueue: true, maxRetriesPerRequest: null, retryStrategy };

/**
 * The connection for commands done on a caller's behalf (API requests, queue adds, caches), ready
 * before it is returned: a command sent while it is not ready would be refused.
 */
export async function connectFailFast(url: string, logger: Logger): Promise<RedisClient> {
  const redis = quiet(openRedis(url, FAIL_FAST));
  logStateChanges(redis, logger);
  // Not events.once: it gives up at the first 'error', while the client keeps retrying (Redis not up yet).
  if (redis.status !== 'ready') await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  return redis;
}

/** The connection workers share (BullMQ duplicates it for each worker's blocking reads). */
export function connectForWorkers(url: string): RedisClient {
  return quiet(openRedis(url, WAIT_FOR_REDIS));
}

/**
 * A new connection to what `url` names. On a cluster, `options` apply to each node's connection,
 * and the client's own queue and retries follow them: commands refused while no node serves
 * their slot, or kept until one does (a replica taking over a failed master).
 */
export function openRedis(url: string, options: RedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  if (!target.cluster) return new Redis(target.url, options);
  const { enableOfflineQueue, retryStrategy, ...redisOptions } = options;
  return new Cluster(target.nodes, {
    ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
    ...(retryStrategy && { clusterRetryStrategy: retryStrategy }),
    ...(options.maxRetriesPerRequest === null && RIDE_OUT_FAILOVER),
    redisOptions: { ...redisOptions, username: target.username, password: target.password, ...(target.tls && { tls: {} }) },
  });
}

/**
 * A cluster connection that waits for Redis also waits through a failover: a command whose
 * slot's master is gone is tried again every half second for a minute. ioredis's default gives
 * up after 16 tries 100 ms apart, sooner than a replica is promoted (cluster-node-timeout and an
 * election), and jobs would fail for nothing.
 */
const RIDE_OUT_FAILOVER: ClusterOptions = { retryDelayOnFailover: 500, retryDelayOnClusterDown: 500, retryDelayOnTryAgain: 500, maxRedirections: 120 };

/** A connection's errors are the state changes logStateChanges reports; without a listener ioredis prints each one. */
export function quiet<T extends RedisClient>(redis: T): T {
  redis.on('error', () => undefined);
  return redis;
}

/**
 * The errors of a connection going away or coming back, as ioredis and BullMQ report them; on a
 * cluster also those of a failover (a slot without a master for a moment), which pass the same way.
 */
export function isConnectionError(err: unknown): boolean {
  const { code, message, name } = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(code)) return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  return typeof message === 'string' && /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|Too many Cluster redirections|CLUSTERDOWN|Failed to refresh slots cache/.test(message);
}

/** One line when the connection is lost, one when it is back. */
function logStateChanges(redis: RedisClient, logger: Logger): void {
  let lostAt: number | undefined;
  let connectedOnce = false;
  redis.on('ready', () => {
    if (lostAt !== undefined) logger.info({ downForMs: Date.now() - lostAt }, 'Redis connection back');
    lostAt = undefined;
    connectedOnce = true;
  });
  // 'reconnecting', not 'close': a connection closed on purpose (shutdown) does not reconnect.
  redis.on('reconnecting', () => {
    if (!connectedOnce || lostAt !== undefined) return;
    lostAt = Date.now();
    logger.warn('Redis connection lost');
  });
}
