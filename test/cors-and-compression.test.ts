import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, realtimeUrl } from './support/realtime-client.js';
import { createWhatsAppWorkspace, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

const APP = 'https://app.example.com';
const OTHER = 'https://elsewhere.example.net';

let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  h = await startHarness({ workers: false, config: { CORS_ORIGINS: `${APP}, http://localhost:5173` } });
  wa = await createWhatsAppWorkspace(h);
});
afterAll(() => h?.close());

const preflight = (origin: string, path = '/v1/conversations') =>
  fetch(`${h.baseUrl}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
  });

describe('CORS on the API', () => {
  it('answers a preflight from an allowed origin without a key', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives no CORS headers to an origin not allowed', async () => {
    const res = await preflight(OTHER);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });

  it("lets an allowed origin's page read answers and the rate-limit headers", async () => {
    const res = await fetch(`${h.baseUrl}/v1/conversations`, { headers: { origin: APP, authorization: `Bearer ${wa.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });

  it('leaves provider webhooks alone', async () => {
    const res = await preflight(APP, `/webhooks/whatsapp-cloud/${wa.channelId}`);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the Origin of a realtime upgrade', () => {
  const attempt = (origin: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(realtimeUrl(h), { origin, headers: { authorization: `Bearer ${wa.key}` } });
      ws.once('open', () => (ws.close(), resolve(101)));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });

  it('lets an allowed origin and the gateway\'s own connect', async () => {
    const client = await connectRealtime(h, { key: wa.key, options: { origin: APP } });
    await client.close();
    expect(await attempt('http://gateway.test')).toBe(101);
  });

  it('refuses another origin with 403', async () => {
    expect(await attempt(OTHER)).toBe(403);
  });

  it("lets the gateway's own pages connect from the host they were served by (the console)", async () => {
    expect(await attempt(new URL(h.baseUrl).origin)).toBe(101);
  });
});

describe('compression', () => {
  const raw = (path: string, headers: Record<string, string>) =>
    new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get(`${h.baseUrl}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });

  it('gzips /openapi.json for a client that accepts it', async () => {
    const plain = await raw('/openapi.json', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gzipped = await raw('/openapi.json', { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 5);
  });
});
