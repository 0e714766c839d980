import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { closeContext, createContext, realtimeDepsOf, type AppContext, type ContextOptions } from '../../src/app/context.js';
import { ManualClock } from './manual-clock.js';
import { createHttpApp } from '../../src/http/app.js';
import { startWorkers } from '../../src/app/workers.js';
import { createLogger } from '../../src/logger.js';
import { attachRealtime, type RealtimeOptions, type RealtimeServer } from '../../src/realtime/server.js';
import { openApiValidator } from './openapi-validator.js';
import { removeKeys } from '../../bench/support.js';

export const GRAPH_BASE_URL = 'https://graph.test';

/**
 * A whole gateway on the real MongoDB and Redis, isolated per test file by its own database
 * and queue prefix, with a manual clock and an HTTP server on an ephemeral port.
 */
export interface Harness {
  ctx: AppContext;
  clock: ManualClock;
  baseUrl: string;
  /** The WebSocket endpoint on the same HTTP server. */
  realtime: RealtimeServer;
  /** Fetch against the gateway with JSON in and out. */
  api(method: string, path: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<Record<string, string>> = {}): Config {
  const id = randomBytes(4).toString('hex');
  const mongo = new URL(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/omnigate');
  mongo.pathname = `/omnigate_test_${id}`;
  return loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: mongo.toString(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `og-test-${id}`,
    OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OMNIGATE_ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
    GRAPH_API_BASE_URL: GRAPH_BASE_URL,
    GRAPH_API_VERSION: 'v23.0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEND_BACKOFF_MS: '50',
    SEND_ATTEMPTS: '3',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
    PUBLIC_BASE_URL: 'http://gateway.test',
    // Tests drive one key hard; test/api-key-rate-limit.test.ts turns the limit on where it is the subject.
    API_RATE_LIMIT_PER_MINUTE: '0',
    WEBCHAT_IP_PER_MINUTE: '0',
    WEBCHAT_VISITOR_PER_MINUTE: '0',
    WEBCHAT_UPLOADS_PER_IP_PER_MINUTE: '0',
    ...overrides,
  });
}

export async function startHarness(
  opts: { config?: Partial<Record<string, string>>; workers?: boolean; context?: ContextOptions; start?: Date; realtime?: RealtimeOptions } = {},
): Promise<Harness> {
  const config = testConfig(opts.config);
  const clock = new ManualClock(opts.start ?? new Date('2026-01-15T10:00:00Z'));
  const ctx = await createContext(config, { clock, logger: createLogger(config.LOG_LEVEL), ...opts.context });
  const server: Server = await new Promise((resolve) => {
    const s = createHttpApp(ctx).listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const realtime = attachRealtime(realtimeDepsOf(ctx), server, opts.realtime);
  const workers = opts.workers === false ? undefined : startWorkers(ctx);
  if (opts.workers !== false) await ctx.pull.startAll();
  return {
    ctx,
    clock,
    baseUrl,
    realtime,
    async api(method, path, { key, body, headers = {} } = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(key && { authorization: `Bearer ${key}` }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      // Every answer is checked against the OpenAPI document: a body that contradicts it fails the test.
      openApiValidator().check(method, path, res.status, parsed, res.headers.get('content-type'));
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await realtime.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.pull.stopAll();
      await workers?.stop();
      await Promise.all(Object.values(ctx.queues).map((q) => q.obliterate({ force: true }).catch(() => undefined)));
      // The realtime streams have no expiry: a test's keys are removed with it.
      await removeKeys(ctx.redis, config.QUEUE_PREFIX);
      await ctx.store.connection.dropDatabase().catch(() => undefined);
      await closeContext(ctx);
    },
  };
}

/**
 * Polls until `check` returns a truthy value (the work under test runs in background jobs). The
 * deadline only guards against a hang: generous, so a loaded machine is slow, never failing.
 */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** X-Hub-Signature-256 of a body, as Meta signs it (the sandbox's signer). */
export { metaSignature as signMeta } from '../../sandbox/providers/meta/webhook.js';

export interface WhatsAppFixture {
  workspaceId: string;
  key: string;
  channelId: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  accessToken: string;
}

/** A workspace with a WhatsApp Cloud channel, made through the public API. */
export async function createWhatsAppWorkspace(h: Harness, phoneNumberId = `1${randomBytes(5).toString('hex').replace(/\D/g, '7')}`): Promise<WhatsAppFixture> {
  const ws = await h.api('POST', '/v1/admin/workspaces', {
    body: { name: `ws ${phoneNumberId}` },
    headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` },
  });
  if (ws.status !== 201) throw new Error(`workspace: ${ws.status} ${JSON.stringify(ws.body)}`);
  const secrets = { accessToken: `token-${phoneNumberId}`, appSecret: `secret-${phoneNumberId}`, verifyToken: `verify-${phoneNumberId}` };
  const channel = await h.api('POST', '/v1/channels', {
    key: ws.body.apiKey.key,
    body: { type: 'whatsapp-cloud', name: 'WA', settings: { phoneNumberId, wabaId: `waba${phoneNumberId}` }, secrets },
  });
  if (channel.status !== 201) throw new Error(`channel: ${channel.status} ${JSON.stringify(channel.body)}`);
  return { workspaceId: ws.body.workspace.id, key: ws.body.apiKey.key, channelId: channel.body.id, phoneNumberId, ...secrets };
}
