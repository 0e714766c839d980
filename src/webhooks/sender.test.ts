import { Agent as HttpAgent, createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverWebhook } from './sender.js';
import { generateWebhookSecret, verifyWebhook } from './signature.js';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const NOW_MS = 1_750_000_000_500;
const secret = generateWebhookSecret();
const http = axios.create({ proxy: false });
// Plain agents: the guard's are tested in connect-guard.test.ts.
const agents = { http: new HttpAgent(), https: new HttpsAgent() };
let received: Received[] = [];
let server: Server;
let base: string;

/** A helpdesk stand-in whose path picks its answer. */
function answer(path: string, res: ServerResponse): void {
  const [, route = '', arg = ''] = path.split('/');
  switch (route) {
    case 'ok':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      return;
    case 'accepted':
      res.writeHead(204).end();
      return;
    case 'redirect':
      res.writeHead(301, { location: `${base}/ok` }).end('moved');
      return;
    case 'status':
      res.writeHead(Number(arg), arg === '410' ? {} : { 'retry-after': ' 120 ' }).end(`status ${arg}`);
      return;
    case 'no-retry-after':
      res.writeHead(429).end();
      return;
    case 'dated':
      res.writeHead(503, { 'retry-after': new Date(NOW_MS + 90_000).toUTCString() }).end();
      return;
    case 'dated-past':
      res.writeHead(503, { 'retry-after': new Date(NOW_MS - 90_000).toUTCString() }).end();
      return;
    case 'garbled':
      res.writeHead(503, { 'retry-after': 'soon' }).end();
      return;
    case 'error':
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${'é'.repeat(400)}${'x'.repeat(1000)}`);
      return;
    case 'endless': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = (): void => {
        if (!res.destroyed) res.write('y'.repeat(65_536), () => setImmediate(pump));
      };
      pump();
      return;
    }
    case 'hang':
      return;
    case 'trickle':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial ');
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(path, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

const BODY = '{"type":"conversation.created","timestamp":"2025-06-15T15:06:40.000Z","data":{"text":"olá ✓"}}\n';

function deliver(path: string, overrides: Partial<Parameters<typeof deliverWebhook>[0]> = {}) {
  return deliverWebhook({ url: `${base}${path}`, eventId: 'conversation.created-abc123', body: BODY, secrets: [secret], http, agents, now: () => NOW_MS, ...overrides });
}

describe('deliverWebhook', () => {
  it('delivers on 200 with the Standard Webhooks headers, and the helpdesk can verify them', async () => {
    const result = await deliver('/ok');
    expect(result).toMatchObject({ outcome: 'delivered', status: 200, responseExcerpt: 'thanks' });
    expect(result.error).toBeUndefined();
    expect(result.retryAfterMs).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe('POST');
    expect(req?.body).toBe(BODY);
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Omnigate-Webhooks/1',
      'webhook-id': 'conversation.created-abc123',
      'webhook-timestamp': String(Math.floor(NOW_MS / 1000)),
    });
    expect(req?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const check = (s: string, body = BODY) => verifyWebhook({ headers: req?.headers ?? {}, body, secret: s, now: Math.floor(NOW_MS / 1000) });
    expect(check(secret)).toBe(true);
    expect(check(secret, BODY.trim())).toBe(false);
    expect(check(generateWebhookSecret())).toBe(false);
  });

  it('signs with every secret during a rotation, and a fresh timestamp per attempt', async () => {
    const next = generateWebhookSecret();
    await deliver('/ok', { secrets: [next, secret], now: () => NOW_MS });
    await deliver('/ok', { secrets: [next, secret], now: () => NOW_MS + 60_000 });
    const [first, second] = received;
    expect(first?.headers['webhook-signature']?.toString().split(' ')).toHaveLength(2);
    for (const s of [secret, next]) {
      expect(verifyWebhook({ headers: first?.headers ?? {}, body: BODY, secret: s, now: Math.floor(NOW_MS / 1000) })).toBe(true);
    }
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(Number(second?.headers['webhook-timestamp'])).toBe(Number(first?.headers['webhook-timestamp']) + 60);
  });

  it('uses the wall clock by default', async () => {
    const before = Math.floor(Date.now() / 1000);
    await deliver('/ok', { now: undefined });
    const sent = Number(received[0]?.headers['webhook-timestamp']);
    expect(sent).toBeGreaterThanOrEqual(before);
    expect(sent).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(verifyWebhook({ headers: received[0]?.headers ?? {}, body: BODY, secret })).toBe(true);
  });

  it('counts any 2xx as delivered', async () => {
    expect(await deliver('/accepted')).toMatchObject({ outcome: 'delivered', status: 204, responseExcerpt: '' });
  });

  it('does not follow a 301 and retries it', async () => {
    const result = await deliver('/redirect');
    expect(result).toMatchObject({ outcome: 'retry', status: 301, responseExcerpt: 'moved' });
    expect(result.retryAfterMs).toBeUndefined();
    expect(received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('reports 410 as gone', async () => {
    expect(await deliver('/status/410')).toMatchObject({ outcome: 'gone', status: 410, responseExcerpt: 'status 410' });
  });

  it.each([429, 502, 503, 504])('retries %i after the Retry-After seconds', async (status) => {
    expect(await deliver(`/status/${status}`)).toMatchObject({ outcome: 'retry', status, retryAfterMs: 120_000 });
  });

  it('reads an HTTP-date Retry-After against the injected clock', async () => {
    // HTTP dates have whole seconds; the injected clock stands at .500.
    expect(await deliver('/dated')).toMatchObject({ outcome: 'retry', status: 503, retryAfterMs: 89_500 });
    expect(await deliver('/dated-past')).toMatchObject({ outcome: 'retry', status: 503, retryAfterMs: 0 });
  });

  it('leaves retryAfterMs out when Retry-After is missing or unreadable', async () => {
    const missing = await deliver('/no-retry-after');
    expect(missing).toMatchObject({ outcome: 'retry', status: 429 });
    expect(missing.retryAfterMs).toBeUndefined();
    expect((await deliver('/garbled')).retryAfterMs).toBeUndefined();
  });

  it('retries other 4xx and 5xx, ignoring Retry-After there, with a 500-character excerpt', async () => {
    const notFound = await deliver('/nowhere');
    expect(notFound).toMatchObject({ outcome: 'retry', status: 404 });
    expect(notFound.retryAfterMs).toBeUndefined();
    expect(await deliver('/status/400')).toMatchObject({ outcome: 'retry', status: 400, responseExcerpt: 'status 400' });
    expect((await deliver('/status/400')).retryAfterMs).toBeUndefined();

    const failed = await deliver('/error');
    expect(failed).toMatchObject({ outcome: 'retry', status: 500 });
    expect(failed.responseExcerpt).toBe(`${'é'.repeat(400)}${'x'.repeat(100)}`);
  });

  it('reads only the start of an endless body and hangs up', async () => {
    const started = Date.now();
    const result = await deliver('/endless', { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ outcome: 'delivered', status: 200, responseExcerpt: 'y'.repeat(500) });
  });

  it('retries after a timeout, without waiting much longer than timeoutMs', async () => {
    const started = Date.now();
    const result = await deliver('/hang', { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ outcome: 'retry', error: 'timeout after 300 ms' });
    expect(result.status).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(250);
  });

  it('does not let a body that never ends hold the attempt past timeoutMs', async () => {
    const started = Date.now();
    const result = await deliver('/trickle', { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ outcome: 'delivered', status: 200, responseExcerpt: 'partial ' });
  });

  it('retries when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const result = await deliver('/ok', { url: `http://127.0.0.1:${port}/ok` });
    expect(result.outcome).toBe('retry');
    expect(result.status).toBeUndefined();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('fails without sending when the request cannot be made', async () => {
    expect(await deliver('', { url: 'ftp://127.0.0.1/hook' })).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/scheme/) });
    expect(await deliver('', { url: 'not a url' })).toMatchObject({ outcome: 'failed' });
    expect(await deliver('/ok', { secrets: [] })).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/secret/) });
    expect(await deliver('/ok', { secrets: ['whsec_short'] })).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/secret/) });
    expect(received).toEqual([]);
  });
});
