/**
 * The suite's own Redis: Debian's redis-server on a free loopback port with its own data folder,
 * run as the gateway expects Redis to run (scripts/services.sh): noeviction and AOF. A restart
 * is a shutdown (SIGTERM: the append-only file is flushed) and a start on the same folder and
 * port, so the queues survive it as they would on a production Redis with AOF.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pollUntil } from './poll.js';
import { isRunning, launch, terminate, type Launched } from './processes.js';

export class RedisInstance {
  private server?: Launched;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--dir', this.dir];
    const server = launch('redis-server', args, { logFile: join(this.dir, 'redis.log') });
    this.server = server;
    // Until the data is loaded Redis answers PING with a LOADING error, which counts as not yet.
    await pollUntil(`redis on port ${this.port}`, () => this.ping(), {
      timeoutMs: 60_000,
      abandon: () => (isRunning(server) ? undefined : `redis-server exited (log: ${join(this.dir, 'redis.log')})`),
    });
  }

  async stop(): Promise<void> {
    if (this.server) await terminate(this.server, 'SIGTERM');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async ping(): Promise<true | undefined> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG' ? true : undefined;
    } finally {
      client.disconnect();
    }
  }
}
