import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../errors.js';
import { isAllowedOrigin } from '../security/allowed-origins.js';
import { verifyCredential } from '../sessions/credentials.js';
import { presentedKey, REALTIME_PROTOCOL } from './auth.js';
import { RealtimeConnection } from './connection.js';
import type { ConnectionFactory, FeedConnection, RealtimeDeps } from './feed-connection.js';
import { isEventId } from '../live-feed/entry.js';
import { LiveFeedSubscriber } from '../live-feed/subscriber.js';
import { ReplayReader } from '../live-feed/replay.js';
import { subscriptionTarget, type SubscriptionTarget } from './subscriptions.js';

export const REALTIME_PATH = '/v1/realtime';
/** Close code of a server going away (RFC 6455). */
export const CLOSE_GOING_AWAY = 1001;
/** Close code of a server that cannot go on serving this client (RFC 6455); it reconnects with its cursor. */
const CLOSE_INTERNAL_ERROR = 1011;
/** How long clients get to answer the close on shutdown. */
const CLOSE_GRACE_MS = 2000;

export interface RealtimeOptions {
  /** How often sockets are pinged; one that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** Bytes a client may leave unread before it is closed as too slow. */
  maxBufferedBytes?: number;
}

/**
 * The WebSocket endpoints on the HTTP server: `/v1/realtime`, whose upgrade it authenticates with
 * an API key, and the other endpoints of RealtimeDeps (the web chat's visitors), each checking its
 * own. It keeps this process's connections of every kind, pings them, and closes them with 1001
 * on shutdown.
 */
export class RealtimeServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (offered) => [REALTIME_PROTOCOL, ...(this.ctx.endpoints ?? []).map((e) => e.protocol)].find((p) => offered.has(p)) ?? false,
  });
  private readonly connections = new Set<FeedConnection<unknown>>();
  private readonly feed: LiveFeedSubscriber;
  private readonly replay: ReplayReader;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head);

  constructor(
    private readonly ctx: RealtimeDeps,
    private readonly server: Server,
    private readonly options: RealtimeOptions = {},
  ) {
    this.feed = new LiveFeedSubscriber(ctx.redis, ctx.keyPrefix, ctx.logger, () => {
      for (const connection of this.connections) connection.resync().catch((err: unknown) => this.failed(connection, err));
    });
    this.replay = new ReplayReader(ctx.redis);
    server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** How many clients this process serves (one being closed no longer counts). */
  get size(): number {
    return [...this.connections].filter((c) => c.socket.readyState === WebSocket.OPEN).length;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.server.off('upgrade', this.onUpgrade);
    const closed = [...this.connections].map(
      (c) => new Promise<void>((resolve) => (c.socket.once('close', () => resolve()), c.socket.close(CLOSE_GOING_AWAY, 'server shutting down'))),
    );
    // A client that does not answer the close (or is too slow to read it) is cut off.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(grace);
    for (const connection of this.connections) connection.socket.terminate();
    this.wss.close();
    await this.feed.close();
  }

  private ping(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  private failed(connection: FeedConnection<unknown>, err: unknown): void {
    this.ctx.logger.error({ err, connectionId: connection.id }, 'realtime delivery failed; closing the connection');
    connection.socket.close(CLOSE_INTERNAL_ERROR, 'internal error');
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A client gone while its key is checked must not take the process down with an unhandled error.
    socket.on('error', (err) => this.ctx.logger.debug({ err }, 'realtime upgrade socket error'));
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const endpoint = this.ctx.endpoints?.find((e) => e.path === url.pathname);
      const connect = endpoint ? await endpoint.accept(req, url) : await this.acceptApiClient(req, url);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const { connection, started } = connect(ws, {
          ctx: this.ctx,
          feed: this.feed,
          replay: this.replay,
          maxBufferedBytes: this.options.maxBufferedBytes ?? 1024 * 1024,
        });
        this.connections.add(connection);
        ws.on('close', () => {
          this.connections.delete(connection);
          void connection.stop();
        });
        started.catch((err: unknown) => this.failed(connection, err));
      });
    } catch (err) {
      refuse(socket, err instanceof AppError ? err : new AppError(500, 'internal_error', 'Something went wrong on our side'));
      if (!(err instanceof AppError)) this.ctx.logger.error({ err }, 'realtime upgrade failed');
    }
  }

  /** An API key's client of `/v1/realtime`: its key, its page's origin, its subscriptions. */
  private async acceptApiClient(req: IncomingMessage, url: URL): Promise<ConnectionFactory> {
    if (url.pathname !== REALTIME_PATH) throw notFound('Route');
    // Browsers send their page's Origin and let any page open a socket: only the allowed ones
    // may, and the gateway's own pages (the console), served from the host the socket is on.
    const origin = req.headers.origin;
    if (origin !== undefined && !isAllowedOrigin(origin, this.ctx.allowedOrigins) && !isSameHost(origin, req.headers.host)) {
      throw forbidden('origin_not_allowed', `Pages of ${origin} may not open the realtime socket (CORS_ORIGINS)`);
    }
    const key = presentedKey(req, url);
    if (!key) throw unauthorized();
    const auth = await verifyCredential(this.ctx, key);
    const start = startOptions(url);
    return (ws, deps) => {
      const connection = new RealtimeConnection(ws, auth, deps);
      return { connection, started: connection.start(start) };
    };
  }
}

export function attachRealtime(ctx: RealtimeDeps, server: Server, options?: RealtimeOptions): RealtimeServer {
  return new RealtimeServer(ctx, server, options);
}

/** `lastEventId` and subscriptions given in the URL (`all=true`, `conversationId`, `queueId`, repeatable). */
function startOptions(url: URL): { lastEventId?: string; targets: SubscriptionTarget[] } {
  const q = url.searchParams;
  const lastEventId = q.get('lastEventId') ?? undefined;
  if (lastEventId !== undefined && !isEventId(lastEventId)) throw badRequest('invalid_last_event_id', 'lastEventId must be an event id like 1700000000000-0');
  const raw = [
    ...(q.get('all') === 'true' ? [{ all: true }] : []),
    ...q.getAll('conversationId').map((conversationId) => ({ conversationId })),
    ...q.getAll('queueId').map((queueId) => ({ queueId })),
  ];
  const targets = raw.map((t) => subscriptionTarget.safeParse(t));
  const invalid = targets.flatMap((t, i) => (t.success ? [] : [{ subscription: raw[i], message: t.error.issues[0]?.message }]));
  if (invalid.length > 0) throw badRequest('validation_failed', 'The subscriptions in the URL are not valid', invalid);
  return { lastEventId, targets: targets.flatMap((t) => (t.success ? [t.data] : [])) };
}

/** A page served by this gateway: its origin names the host the upgrade was sent to. */
function isSameHost(origin: string, host: string | undefined): boolean {
  return URL.canParse(origin) && new URL(origin).host === host;
}

/** An answer instead of the upgrade, in the REST API's error shape; the socket is then closed. */
function refuse(socket: Duplex, err: AppError): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message, ...(err.details !== undefined && { details: err.details }) } });
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
