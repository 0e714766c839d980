import { WebSocket, type ClientOptions } from 'ws';
import { eventually, type Harness } from './harness.js';

/** A test's WebSocket client of /v1/realtime: keeps every frame it receives, in order. */
export interface RealtimeClient {
  ws: WebSocket;
  frames: any[];
  /** Event frames (they carry an `id`, null for typing), in the order received. */
  events(): any[];
  send(message: unknown): void;
  /** Sends and waits for the answer of the given type (answers come in request order). */
  request(message: unknown, answerType: string): Promise<any>;
  waitFor(check: (frame: any) => boolean): Promise<any>;
  close(): Promise<{ code: number }>;
  closed: Promise<{ code: number }>;
}

export function realtimeUrl(h: Harness, query: Record<string, string | string[]> = {}): string {
  const url = new URL('/v1/realtime', h.baseUrl.replace(/^http/, 'ws'));
  for (const [name, value] of Object.entries(query)) for (const v of [value].flat()) url.searchParams.append(name, v);
  return url.toString();
}

/** Connects with the key in the Authorization header and waits for the `ready` frame. */
export async function connectRealtime(
  h: Harness,
  opts: { key?: string; query?: Record<string, string | string[]>; protocols?: string[]; options?: ClientOptions } = {},
): Promise<RealtimeClient> {
  const ws = new WebSocket(realtimeUrl(h, opts.query), opts.protocols, {
    ...(opts.key && { headers: { authorization: `Bearer ${opts.key}` } }),
    ...opts.options,
  });
  const frames: any[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = (check: (frame: any) => boolean) => eventually(async () => frames.find(check));
  await waitFor((f) => f.type === 'ready');
  return {
    ws,
    frames,
    events: () => frames.filter((f) => 'id' in f),
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async request(message, answerType) {
      const seen = frames.length;
      ws.send(typeof message === 'string' ? message : JSON.stringify(message));
      return eventually(async () => frames.slice(seen).find((f) => f.type === answerType || f.type === 'error'));
    },
    waitFor,
    closed,
    async close() {
      ws.close();
      return closed;
    },
  };
}

/** The answer to an upgrade the server refuses: status and JSON body, no socket. */
export function refusedUpgrade(h: Harness, opts: { query?: Record<string, string>; headers?: Record<string, string>; path?: string } = {}) {
  const url = opts.path ? `${h.baseUrl.replace(/^http/, 'ws')}${opts.path}` : realtimeUrl(h, opts.query);
  const ws = new WebSocket(url, { headers: opts.headers });
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
  });
}
