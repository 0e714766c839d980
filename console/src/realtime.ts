import type { FeedFrame } from './types.js';

export type FeedState = 'connecting' | 'live' | 'reconnecting';

/** Longest pause between reconnection attempts. */
const MAX_BACKOFF_MS = 15_000;

/**
 * The workspace's events through /v1/realtime. Each event's id is kept, and a reconnection asks
 * for what came after it (lastEventId), so a dropped socket loses nothing; when the gateway no
 * longer holds that far back (replay.incomplete) the page reloads its lists instead.
 */
export class LiveFeed {
  private socket: WebSocket | null = null;
  private lastEventId: string | undefined;
  private attempts = 0;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly token: () => string | null,
    private readonly handlers: { event(frame: FeedFrame): void; resync(): void; state(state: FeedState): void },
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.close(1000);
  }

  /** Tells others watching the conversation that this agent is typing. */
  typing(conversationId: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'typing', conversationId }));
  }

  private connect(): void {
    const token = this.token();
    if (!token || this.stopped) return;
    const url = new URL('/v1/realtime', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('all', 'true');
    if (this.lastEventId) url.searchParams.set('lastEventId', this.lastEventId);
    // The token travels as a subprotocol, never in the URL (which proxies log).
    const socket = new WebSocket(url, ['omnigate.v1', `bearer.${token}`]);
    this.socket = socket;
    this.handlers.state(this.attempts === 0 ? 'connecting' : 'reconnecting');
    socket.onmessage = (message) => this.receive(JSON.parse(String(message.data)) as FeedFrame);
    socket.onclose = () => {
      if (this.socket !== socket || this.stopped) return;
      this.handlers.state('reconnecting');
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts++);
      this.retry = setTimeout(() => this.connect(), delay);
    };
  }

  private receive(frame: FeedFrame): void {
    if (frame.type === 'ready') {
      this.attempts = 0;
      this.handlers.state('live');
      return;
    }
    if (frame.type === 'replay.incomplete') return this.handlers.resync();
    if (frame.id) this.lastEventId = frame.id;
    this.handlers.event(frame);
  }
}
