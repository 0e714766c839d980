/** The visitor API as the widget calls it (the gateway's `web chat` operations). */
import type { VisitorMessage } from '../src/domain/visitor-message.js';

export type { VisitorMessage };

export interface WidgetSettings {
  title: string;
  greeting: string;
  colors: { primary: string; onPrimary: string };
  promptChips: string[];
}

export interface History {
  conversation: { id: string; status: string; seenAt: string | null } | null;
  messages: VisitorMessage[];
  lastEventId: string;
}

/** What the socket sends the visitor. */
export type Frame =
  | { type: 'ready'; lastEventId: string }
  | { type: 'message'; id: string; message: VisitorMessage }
  | { type: 'status'; id: string; messageId: string; status: string }
  | { type: 'conversation'; id: string; conversationId: string; status: string }
  | { type: 'seen'; id: string; conversationId: string; seenAt: string }
  | { type: 'typing'; conversationId: string }
  | { type: 'replay.incomplete' }
  | { type: 'pong' }
  | { type: 'error' };

/** The gateway answered with an error: its status and code (403 origin_not_allowed, 401 …). */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The visitor's identity as the page gives it: a logged-in user vouched for by the business's server. */
export interface PageIdentity {
  userId?: string;
  userHash?: string;
  name?: string;
}

/**
 * One channel's visitor API. The token is kept in the page's localStorage (the visitor's, for
 * 24 hours of quiet), so a reload or a later visit resumes the conversation.
 */
export class Gateway {
  private token: string | null;
  private readonly storageKey: string;

  constructor(
    readonly base: string,
    readonly channelId: string,
    private readonly identity: PageIdentity,
  ) {
    this.storageKey = `omnigate-chat:${channelId}`;
    this.token = readStored(this.storageKey);
  }

  private get channelPath(): string {
    return `${this.base}/webchat/v1/channels/${encodeURIComponent(this.channelId)}`;
  }

  settings(): Promise<WidgetSettings> {
    return this.call('GET', '/settings');
  }

  /** Resumes the stored visitor (or the page's logged-in user), else starts a new one. */
  async startSession(): Promise<void> {
    const { userId, userHash, name } = this.identity;
    const body = userId ? { userId, userHash, ...(name && { name }) } : { ...(this.token && { token: this.token }), ...(name && { name }) };
    const session = await this.call<{ token: string }>('POST', '/sessions', body, false);
    this.keep(session.token);
  }

  history(): Promise<History> {
    return this.authorized(() => this.call('GET', '/conversation'));
  }

  async send(message: { clientMessageId: string; text?: string; upload?: { mediaId: string; ticket: string } }): Promise<void> {
    const answer = await this.authorized(() => this.call<{ token: string }>('POST', '/messages', message));
    this.keep(answer.token);
  }

  upload(file: File): Promise<{ mediaId: string; ticket: string }> {
    return this.authorized(() => this.call('POST', '/uploads', file, true, { 'content-type': file.type || 'application/octet-stream', 'x-filename': asciiName(file.name) }));
  }

  receipt(status: 'delivered' | 'read', watermark: string): Promise<void> {
    return this.authorized(() => this.call('POST', '/receipts', { status, watermark }));
  }

  /** The visitor's socket; the token goes as a subprotocol (browsers cannot set its headers). */
  socket(lastEventId: string | null): WebSocket {
    const url = new URL(`${this.base.replace(/^http/, 'ws')}/webchat/v1/socket`);
    url.searchParams.set('channelId', this.channelId);
    if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
    return new WebSocket(url, ['omnigate.webchat.v1', `visitor.${this.token ?? ''}`]);
  }

  /** A token that expired meanwhile: the visitor starts again, once. */
  private async authorized<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (!(err instanceof Refusal) || err.code !== 'invalid_visitor_token') throw err;
      this.keep(null);
      await this.startSession();
      return request();
    }
  }

  private keep(token: string | null): void {
    this.token = token;
    try {
      if (token) localStorage.setItem(this.storageKey, token);
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage blocked (private mode, a sandboxed frame): the token lives as long as the page.
    }
  }

  private async call<T>(method: string, path: string, body?: unknown, authorized = true, headers: Record<string, string> = {}): Promise<T> {
    const raw = body instanceof Blob;
    const res = await fetch(`${this.channelPath}${path}`, {
      method,
      headers: {
        ...(body !== undefined && !raw && { 'content-type': 'application/json' }),
        ...(authorized && this.token && { authorization: `Bearer ${this.token}` }),
        ...headers,
      },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
    const answer = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    if (!res.ok) throw new Refusal(res.status, answer?.error?.code ?? 'unknown', answer?.error?.message ?? `HTTP ${res.status}`);
    return answer as T;
  }
}

function readStored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Header values are ASCII: other characters of a file name become `_`. */
function asciiName(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').slice(0, 200);
}
