import net from 'node:net';
import { parseRedisUrl } from '../../config/redis-url.js';

/** Fails fast, with the fix, when the real services the suite needs are not running. */
async function reachable(url: string, defaultPort: number): Promise<boolean> {
  const target = url.startsWith('redis') ? parseRedisUrl(url) : undefined;
  // A cluster answers when one of its nodes does; the first one named is asked.
  const { hostname, port } = target?.cluster ? { hostname: target.nodes[0]!.host, port: String(target.nodes[0]!.port) } : new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

export default async function setup(): Promise<void> {
  process.env.MONGODB_URI ??= 'mongodb://127.0.0.1:27017/omnigate';
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  const missing: string[] = [];
  if (!(await reachable(process.env.MONGODB_URI, 27017))) missing.push(`MongoDB at ${process.env.MONGODB_URI}`);
  if (!(await reachable(process.env.REDIS_URL, 6379))) missing.push(`Redis at ${process.env.REDIS_URL}`);
  if (missing.length > 0) {
    throw new Error(`Tests need real services; not reachable: ${missing.join(', ')}. Start them with scripts/services.sh start.`);
  }
}
