import { EventEmitter } from 'node:events';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { isConnectionError, WAIT_FOR_REDIS, type RedisClient } from './connections.js';

/** Between attempts to reach another node of a cluster. */
const NODE_RETRY_MS = 1000;

interface SubscriberEvents {
  message: [channel: string, message: string];
  /** Connected, again after a loss: what was published meanwhile is lost, and the owner catches up. */
  ready: [];
  /** What went wrong other than losing the connection (that is `ready` again later); only when listened to. */
  error: [err: Error];
}

/**
 * A connection that listens on pub/sub channels (a subscribed connection can do nothing else) and
 * says each time it is connected again. On one Redis it is a duplicate of the client, which
 * reconnects and resubscribes by itself. On a cluster, where every node hears every channel
 * (classic pub/sub is broadcast), it is a connection to one node, moved to another node the
 * cluster client knows when that one is lost (a failover): ioredis's own cluster subscriber
 * moves silently, and its owner would never learn that it missed messages.
 */
export class Subscriber extends EventEmitter<SubscriberEvents> {
  private connection: Redis;
  private readonly channels = new Set<string>();
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    /** Of the connection (its name); it waits for Redis whatever they say. */
    private readonly options: RedisOptions = {},
  ) {
    super();
    this.connection = this.connect();
  }

  async subscribe(...channels: string[]): Promise<void> {
    for (const channel of channels) this.channels.add(channel);
    await this.connection.subscribe(...channels);
  }

  async unsubscribe(...channels: string[]): Promise<void> {
    for (const channel of channels) this.channels.delete(channel);
    await this.connection.unsubscribe(...channels);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private connect(): Redis {
    const { client } = this;
    const connection = client instanceof Cluster ? this.toSomeNode(client) : client.duplicate({ ...WAIT_FOR_REDIS, ...this.options });
    connection.on('error', (err: Error) => {
      if (!isConnectionError(err) && this.listenerCount('error') > 0) this.emit('error', err);
    });
    connection.on('message', (channel: string, message: string) => this.emit('message', channel, message));
    connection.on('ready', () => {
      // A node connection starts with no subscription; a single Redis's resubscribes by itself.
      const resubscribed = client instanceof Cluster && this.channels.size > 0 ? connection.subscribe(...this.channels) : Promise.resolve();
      resubscribed.then(
        () => this.emit('ready'),
        () => connection.disconnect(),
      );
    });
    return connection;
  }

  /** A connection to a node of the cluster, replaced by one to another node when it ends. */
  private toSomeNode(cluster: Cluster): Redis {
    const nodes = cluster.nodes('all');
    // No node known (the cluster client is reconnecting itself): an unconnected connection, ended at once, and another try.
    const { host, port, username, password, tls } = nodes[Math.floor(Math.random() * nodes.length)]?.options ?? { host: '', port: 0 };
    const connection = new Redis({ ...this.options, host, port, username, password, tls, lazyConnect: !host, maxRetriesPerRequest: null, retryStrategy: () => null });
    connection.once('end', () => {
      if (this.closed) return;
      setTimeout(() => {
        if (!this.closed) this.connection = this.connect();
      }, NODE_RETRY_MS).unref();
    });
    if (!host) connection.disconnect();
    return connection;
  }
}
