import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { WebSocket, type RawData } from 'ws';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';
import type { LiveFeedPublisher } from '../live-feed/publisher.js';
import type { AuthContext } from '../security/api-key.js';
import { compareEventIds, realtimeKeys, toFrame, type FeedItem } from '../live-feed/entry.js';
import type { LiveFeedSubscriber } from '../live-feed/subscriber.js';
import type { ReplayReader } from '../live-feed/replay.js';
import { clientMessage, MAX_SUBSCRIPTIONS, Subscriptions, type ClientMessage, type SubscriptionTarget } from './subscriptions.js';

/** What the WebSocket endpoint reads and writes besides its own feed. */
export interface RealtimeDeps {
  store: Store;
  redis: Redis;
  clock: Clock;
  logger: Logger;
  /** QUEUE_PREFIX: the Redis keys of the feed start with it. */
  keyPrefix: string;
  liveFeed: LiveFeedPublisher;
  /** Browser origins whose pages may open a socket (CORS_ORIGINS and the gateway's own); a client without an Origin is no browser and may. */
  allowedOrigins: readonly string[];
}

export interface ConnectionDeps {
  ctx: RealtimeDeps;
  feed: LiveFeedSubscriber;
  replay: ReplayReader;
  /** Bytes a client may leave unread before it is closed as too slow. */
  maxBufferedBytes: number;
}

/** Close code for a client that does not read fast enough (RFC 6455 "try again later"). */
export const CLOSE_TOO_SLOW = 1013;

/**
 * One client's WebSocket. Events reach it in stream order through one cursor, the id of the last
 * event it was offered: replayed and live events pass the same check, so the seam between them
 * has neither gaps nor duplicates, and an event published twice by a re-run job is skipped.
 */
export class RealtimeConnection {
  readonly id = randomUUID();
  /** Cleared by each heartbeat, set again by the client's pong. */
  alive = true;
  private cursor = '0-0';
  /** Live events held while a replay sends older ones. */
  private backlog: FeedItem[] | null = null;
  private catchingUp: Promise<void> = Promise.resolve();
  private inbox: Promise<void> = Promise.resolve();
  /** Settles when the last frame sent has been handed to the network. */
  private written: Promise<void> = Promise.resolve();
  private readonly subscriptions = new Subscriptions();
  private agentId: string | null | undefined;
  private readonly stream: string;

  constructor(
    readonly socket: WebSocket,
    private readonly auth: AuthContext,
    private readonly deps: ConnectionDeps,
  ) {
    this.stream = realtimeKeys(deps.ctx.keyPrefix, this.workspaceId).stream;
    // One message at a time, so answers come back in the order of the requests.
    socket.on('message', (raw) => (this.inbox = this.inbox.then(() => this.receive(raw))));
    socket.on('pong', () => (this.alive = true));
  }

  get workspaceId(): string {
    return String(this.auth.workspaceId);
  }

  /**
   * Subscribes to what the URL asked for, starts listening, then sends what the client missed
   * since `lastEventId` (or nothing, from the current end of the stream) before anything live.
   */
  async start(opts: { lastEventId?: string; targets: SubscriptionTarget[] }): Promise<void> {
    for (const target of opts.targets) await this.subscribe(target);
    this.cursor = opts.lastEventId ?? (await this.deps.replay.tail(this.stream));
    this.backlog = [];
    // Closed meanwhile: joining now would leave a listener that nothing removes.
    if (!this.open) return;
    await this.deps.feed.join(this.workspaceId, this.onLive);
    await this.catchUp(opts.lastEventId !== undefined);
    this.send({ type: 'ready', lastEventId: this.cursor });
  }

  /** After the subscriber connection was lost: what was published meanwhile comes from the stream. */
  resync(): Promise<void> {
    this.backlog ??= [];
    return this.catchUp(true);
  }

  async stop(): Promise<void> {
    await this.deps.feed.leave(this.workspaceId, this.onLive);
  }

  private readonly onLive = (item: FeedItem): void => {
    if (this.backlog) this.backlog.push(item);
    else this.offer(item);
  };

  /** One catch-up at a time; a failed one leaves the connection to be closed by the caller. */
  private catchUp(reportGap: boolean): Promise<void> {
    const run = this.catchingUp.then(() => this.sendMissed(reportGap));
    this.catchingUp = run.catch(() => undefined);
    return run;
  }

  /** Sends the kept events after the cursor, then the live ones held meanwhile. */
  private async sendMissed(reportGap: boolean): Promise<void> {
    const { complete, page: first } = await this.deps.replay.open(this.stream, this.cursor);
    if (!complete && reportGap) this.send({ type: 'replay.incomplete', lastEventId: this.cursor });
    for (let page = first; page.length > 0 && this.open; page = await this.deps.replay.page(this.stream, this.cursor)) {
      for (const item of page) {
        this.offer(item);
        // A long replay waits for the client to read rather than piling up in memory.
        if (this.socket.bufferedAmount > this.deps.maxBufferedBytes / 2) await this.written;
      }
    }
    const held = this.backlog ?? [];
    this.backlog = null;
    for (const item of held) this.offer(item);
  }

  private offer(item: FeedItem): void {
    if (item.id !== null) {
      if (compareEventIds(item.id, this.cursor) <= 0) return;
      this.cursor = item.id;
    }
    if (item.entry.origin === this.id || !this.subscriptions.matches(item.entry)) return;
    this.send(toFrame(item));
  }

  private get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Never waits for the client: one that leaves too much unread is closed, not waited for. */
  private send(frame: object): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.deps.maxBufferedBytes) {
      this.deps.ctx.logger.warn({ connectionId: this.id, workspaceId: this.workspaceId }, 'realtime client too slow; closing');
      this.socket.close(CLOSE_TOO_SLOW, 'client too slow');
      return;
    }
    const data = JSON.stringify(frame);
    this.written = new Promise((resolve) => this.socket.send(data, () => resolve()));
  }

  private async receive(raw: RawData): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      return this.error('invalid_json', 'Frames must be JSON');
    }
    const message = clientMessage.safeParse(parsed);
    if (!message.success) {
      const details = message.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return this.error('validation_failed', 'The frame is not valid', details);
    }
    try {
      await this.handle(message.data);
    } catch (err) {
      this.deps.ctx.logger.error({ err, connectionId: this.id }, 'realtime message failed');
      this.error('internal_error', 'Something went wrong on our side');
    }
  }

  private async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'subscribe':
        return this.subscribe(message);
      case 'unsubscribe': {
        const { type: _type, ...target } = message;
        this.subscriptions.remove(target);
        return this.send({ type: 'unsubscribed', ...target });
      }
      case 'typing':
        return this.typing(message.conversationId);
      case 'ping':
        return this.send({ type: 'pong' });
    }
  }

  /** Only ids of this workspace: another workspace's conversation is not found, as in the REST API. */
  private async subscribe(message: SubscriptionTarget & { type?: string }): Promise<void> {
    const { type: _type, ...target } = message;
    const { store } = this.deps.ctx;
    const { workspaceId } = this.auth;
    if (target.conversationId && !(await store.conversations.exists({ _id: target.conversationId, workspaceId }))) {
      return this.error('not_found', 'Conversation not found', { conversationId: target.conversationId });
    }
    if (target.queueId && !(await store.routingQueues.exists({ _id: target.queueId, workspaceId }))) {
      return this.error('not_found', 'Queue not found', { queueId: target.queueId });
    }
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      return this.error('too_many_subscriptions', `A connection holds at most ${MAX_SUBSCRIPTIONS} subscriptions`);
    }
    this.subscriptions.add(target);
    this.send({ type: 'subscribed', ...target });
  }

  /** The agent typing in a conversation, for the others watching it. */
  private async typing(conversationId: string): Promise<void> {
    const { store, clock } = this.deps.ctx;
    const { workspaceId } = this.auth;
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }, { queueId: 1 }).lean();
    if (!conversation) return this.error('not_found', 'Conversation not found', { conversationId });
    if (this.agentId === undefined) {
      const agent = await store.agents.findOne({ workspaceId, apiKeyId: this.auth.keyId }, { _id: 1 }).lean();
      this.agentId = agent ? String(agent._id) : null;
    }
    await this.deps.ctx.liveFeed.publishTyping(this.workspaceId, {
      type: 'typing',
      occurredAt: clock.now().toISOString(),
      conversationId,
      ...(conversation.queueId && { queueId: String(conversation.queueId) }),
      data: { conversationId, agentId: this.agentId },
      origin: this.id,
    });
  }

  private error(code: string, message: string, details?: unknown): void {
    this.send({ type: 'error', error: { code, message, ...(details !== undefined && { details }) } });
  }
}
