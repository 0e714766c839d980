/**
 * Where Redis is, as REDIS_URL says: one server (`redis://` or `rediss://`, as ioredis reads it)
 * or a Redis Cluster, named like a MongoDB replica set by some of its nodes
 * (`redis+cluster://[user:password@]host1:7000,host2:7001/`, `rediss+cluster://` for TLS); the
 * client learns the other nodes from them, so any one that answers is enough.
 */
export type RedisTarget =
  | { cluster: false; url: string }
  | { cluster: true; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/;
const NODE = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/;

/** The URLs REDIS_URL accepts. */
const REDIS_URL_PATTERN = /^rediss?(\+cluster)?:\/\//;

/** Throws on a cluster URL without nodes or with a node that is not host:port. */
export function parseRedisUrl(url: string): RedisTarget {
  if (!REDIS_URL_PATTERN.test(url)) throw new Error('must be a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL');
  if (!url.includes('+cluster://')) return { cluster: false, url };
  const [, scheme, auth, hosts] = CLUSTER_URL.exec(url) ?? [];
  if (!hosts) throw new Error('a cluster URL is redis+cluster://[user:password@]host:port,host:port/ (no database, no options)');
  const nodes = hosts.split(',').map((node) => {
    const [, host, port] = NODE.exec(node.trim()) ?? [];
    if (!host || !port) throw new Error(`cluster node "${node}" is not host:port`);
    return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) };
  });
  const [username, password] = auth === undefined ? [] : auth.includes(':') ? auth.split(/:(.*)/s, 2) : [undefined, auth];
  return {
    cluster: true,
    nodes,
    ...(username && { username: decodeURIComponent(username) }),
    ...(password && { password: decodeURIComponent(password) }),
    tls: scheme === 'rediss',
  };
}
