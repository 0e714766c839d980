import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RedisClient } from '../redis/connections.js';
import { WebSocket, type RawData } from 'ws';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';
import type { LiveFeedPublisher } from '../live-feed/publisher.js';
import type { SessionTokens } from '../sessions/session-tokens.js';
import { compareEventIds, realtimeKeys, type FeedItem } from '../live-feed/entry.js';
import type { LiveFeedSubscriber } from '../live-feed/subscriber.js';
import type { ReplayReader } from '../live-feed/replay.js';

/** What the WebSocket endpoints read and write besides their own feed. */
export interface RealtimeDeps {
  store: Store;
  redis: RedisClient;
  clock: Clock;
  logger: Logger;
  /** QUEUE_PREFIX: the Redis keys of the feed start with it. */
  keyPrefix: string;
  liveFeed: LiveFeedPublisher;
  /** Session tokens, which sign a socket in as the key they stand for. */
  sessions: SessionTokens;
  /** Browser origins whose pages may open a socket (CORS_ORIGINS and the gateway's own); a client without an Origin is no browser and may. */
  allowedOrigins: readonly string[];
  /** Other sockets on the same server and feed (the web chat's visitors), by path. */
  endpoints?: readonly SocketEndpoint[];
}

export interface ConnectionDeps {
  ctx: RealtimeDeps;
  feed: LiveFeedSubscriber;
  replay: ReplayReader;
  /** Bytes a client may leave unread before it is closed as too slow. */
  maxBufferedBytes: number;
}

/** Makes an upgraded socket's connection and starts it (`started` settles once it follows the feed). */
export type ConnectionFactory = (socket: WebSocket, deps: ConnectionDeps) => { connection: FeedConnection<unknown>; started: Promise<void> };

/**
 * Another kind of client of the live feed: `accept` checks an upgrade request (throwing an
 * AppError to refuse it) and returns how to make its connection once upgraded.
 */
export interface SocketEndpoint {
  path: string;
  /** The subprotocol the server answers with, when the client offers it. */
  protocol: string;
  accept(req: IncomingMessage, url: URL): Promise<ConnectionFactory>;
}

/** Close code for a client that does not read fast enough (RFC 6455 "try again later"). */
export const CLOSE_TOO_SLOW = 1013;

/**
 * One client's WebSocket on a workspace's live feed. Events reach it in stream order through one
 * cursor, the id of the last event it was offered: replayed and live events pass the same check,
 * so the seam between them has neither gaps nor duplicates, and an event published twice by a
 * re-run job is skipped. What a client sees of an event (`frameOf`) and what it may send
 * (`handle`) are its kind's.
 */
export abstract class FeedConnection<M> {
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
  private readonly stream: string;

  constructor(
    readonly socket: WebSocket,
    readonly workspaceId: string,
    protected readonly deps: ConnectionDeps,
    private readonly frames: z.ZodType<M>,
  ) {
    this.stream = realtimeKeys(deps.ctx.keyPrefix, workspaceId).stream;
    // One message at a time, so answers come back in the order of the requests.
    socket.on('message', (raw) => (this.inbox = this.inbox.then(() => this.receive(raw))));
    socket.on('pong', () => (this.alive = true));
  }

  /** The frame this client gets for an entry of its workspace's feed, or null when it is not for it. */
  protected abstract frameOf(item: FeedItem): object | null;

  /** A valid frame from the client. */
  protected abstract handle(message: M): Promise<void>;

  /**
   * Starts listening, then sends what the client missed since `lastEventId` (or nothing, from the
   * current end of the stream) before anything live.
   */
  protected async follow(lastEventId: string | undefined): Promise<void> {
    this.cursor = lastEventId ?? (await this.deps.replay.tail(this.stream));
    this.backlog = [];
    // Closed meanwhile: joining now would leave a listener that nothing removes.
    if (!this.open) return;
    await this.deps.feed.join(this.workspaceId, this.onLive);
    await this.catchUp(lastEventId !== undefined);
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
    if (item.entry.origin === this.id) return;
    const frame = this.frameOf(item);
    if (frame) this.send(frame);
  }

  protected get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Never waits for the client: one that leaves too much unread is closed, not waited for. */
  protected send(frame: object): void {
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
    const message = this.frames.safeParse(parsed);
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

  protected error(code: string, message: string, details?: unknown): void {
    this.send({ type: 'error', error: { code, message, ...(details !== undefined && { details }) } });
  }
}
