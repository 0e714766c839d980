import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/connections.js';
import { Subscriber } from '../redis/subscriber.js';
import { realtimeKeys, type FeedItem } from './entry.js';

export type FeedListener = (item: FeedItem) => void;

/**
 * This process's live view of the workspaces it has clients for: one Redis subscriber
 * connection (a subscribed connection can do nothing else), subscribed to a workspace's channel
 * while at least one of its clients is connected here.
 */
export class LiveFeedSubscriber {
  private readonly subscriber: Subscriber;
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private connectedBefore = false;

  /**
   * @param onResync called when the subscriber connection is back after a loss: pub/sub does not
   * keep what was published meanwhile, so every client catches up from the stream.
   */
  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
    onResync: () => void,
  ) {
    this.subscriber = new Subscriber(redis, { connectionName: `${keyPrefix}:realtime-feed` });
    this.subscriber.on('message', (channel, message) => this.deliver(channel, message));
    this.subscriber.on('error', (err) => logger.warn({ err }, 'realtime subscriber error'));
    this.subscriber.on('ready', () => {
      if (this.connectedBefore) {
        this.resubscribed().then(onResync, (err: unknown) => logger.warn({ err }, 'realtime resubscription failed; waiting for the next connection'));
      }
      this.connectedBefore = true;
    });
  }

  /**
   * ioredis resubscribes right after 'ready', without waiting for Redis to confirm; subscribing
   * again (harmless) and awaiting it makes sure catching up starts only once live delivery is back.
   */
  private async resubscribed(): Promise<void> {
    const channels = [...this.listeners.keys()];
    if (channels.length > 0) await this.subscriber.subscribe(...channels);
  }

  /** Resolves once Redis confirmed the subscription: anything published after it reaches `listener`. */
  async join(workspaceId: string, listener: FeedListener): Promise<void> {
    const { channel } = realtimeKeys(this.keyPrefix, workspaceId);
    let listeners = this.listeners.get(channel);
    if (!listeners) this.listeners.set(channel, (listeners = new Set()));
    listeners.add(listener);
    // Commands go out in call order on the one connection, so a leave's UNSUBSCRIBE issued
    // before this SUBSCRIBE cannot undo it.
    await this.subscriber.subscribe(channel);
  }

  async leave(workspaceId: string, listener: FeedListener): Promise<void> {
    const { channel } = realtimeKeys(this.keyPrefix, workspaceId);
    const listeners = this.listeners.get(channel);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.listeners.delete(channel);
    await this.subscriber.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.close();
  }

  private deliver(channel: string, message: string): void {
    const listeners = this.listeners.get(channel);
    if (!listeners) return;
    let item: FeedItem;
    try {
      item = JSON.parse(message) as FeedItem;
    } catch (err) {
      this.logger.error({ err, channel }, 'unreadable realtime message');
      return;
    }
    for (const listener of listeners) listener(item);
  }
}
