import express from 'express';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { errorHandler } from '../src/http/errors.js';
import { rateLimitPerKey } from '../src/http/api-key-rate-limit.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

// 30 a minute: one every 2 s, so the requests of one test step never earn a new one.
const PER_MINUTE = 30;
const BURST = 3;

describe('rate limiting per API key', () => {
  let h: Harness;
  let wa: WhatsAppFixture;
  const keys: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ workers: false, config: { API_RATE_LIMIT_PER_MINUTE: String(PER_MINUTE), API_RATE_LIMIT_BURST: String(BURST) } });
    wa = await createWhatsAppWorkspace(h);
    for (const name of ['a', 'b']) {
      const res = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name, role: 'admin' } });
      expect(res.status).toBe(201);
      keys.push(res.body.key);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('lets exactly the burst through, then answers 429 rate_limited with Retry-After; another key is unaffected; it recovers', async () => {
    const [a, b] = keys as [string, string];
    const answers = [];
    for (let i = 0; i <= BURST; i++) answers.push(await h.api('GET', '/v1/channels', { key: a }));

    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe(String(BURST));
    const refused = answers[BURST]!;
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(60 / PER_MINUTE));

    // Another key of the same workspace has its own budget.
    expect((await h.api('GET', '/v1/channels', { key: b })).status).toBe(200);

    // Allowed again once the wait it named has passed (a refused request spends nothing).
    await eventually(async () => (await h.api('GET', '/v1/channels', { key: a })).status === 200);
  });

  it('never limits provider webhooks or the admin API', async () => {
    const challenge = (i: number) =>
      h.api('GET', `/webhooks/whatsapp-cloud/${wa.channelId}?hub.mode=subscribe&hub.verify_token=${wa.verifyToken}&hub.challenge=c${i}`);
    for (let i = 0; i < BURST * 3; i++) expect((await challenge(i)).status).toBe(200);

    const admin = { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` };
    for (let i = 0; i < BURST * 2; i++) {
      expect((await h.api('POST', '/v1/admin/workspaces', { headers: admin, body: { name: `ws ${i}` } })).status).toBe(201);
    }
  });

  it('refuses a rejected request before it reaches the route: nothing is stored', async () => {
    const [, b] = keys as [string, string];
    // b spent one request above; spend the rest of its burst.
    while ((await h.api('GET', '/v1/channels', { key: b })).status === 200);
    const refused = await h.api('POST', '/v1/api-keys', { key: b, body: { name: 'never stored' } });
    expect(refused.status).toBe(429);
    expect(await h.ctx.store.apiKeys.countDocuments({ name: 'never stored' })).toBe(0);
  });
});

describe('per-key rates', () => {
  it('reads API_RATE_LIMIT_OVERRIDES as <key id>=<per minute> and refuses anything else', () => {
    const parse = (value: string) => configSchema.shape.API_RATE_LIMIT_OVERRIDES.safeParse(value);
    expect(parse(' 65f0a1b2c3d4e5f6a7b8c9d0=1200, 65f0a1b2c3d4e5f6a7b8c9d1=0 ').data).toEqual({ '65f0a1b2c3d4e5f6a7b8c9d0': 1200, '65f0a1b2c3d4e5f6a7b8c9d1': 0 });
    expect(parse('').data).toEqual({});
    expect(parse('65f0a1b2c3d4e5f6a7b8c9d0').success).toBe(false);
    expect(parse('65f0a1b2c3d4e5f6a7b8c9d0=fast').success).toBe(false);
  });

  it('gives an overridden key its own rate (0: unlimited) while others keep the default', async () => {
    const h = await startHarness({ workers: false });
    try {
      const unlimited = new Types.ObjectId();
      const limited = new Types.ObjectId();
      const config = { ...h.ctx.config, API_RATE_LIMIT_PER_MINUTE: 1, API_RATE_LIMIT_BURST: 1, API_RATE_LIMIT_OVERRIDES: { [String(unlimited)]: 0 } };
      const app = express();
      app.use((req, res, next) => {
        res.locals.auth = { workspaceId: new Types.ObjectId(), keyId: req.get('x-key') === 'unlimited' ? unlimited : limited, role: 'admin' };
        next();
      });
      app.use(rateLimitPerKey({ config, redis: h.ctx.redis }));
      app.get('/', (_req, res) => {
        res.json({ ok: true });
      });
      app.use(errorHandler(h.ctx.logger));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const statuses = async (key: string, n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await fetch(url, { headers: { 'x-key': key } })).status);
        return out;
      };
      expect(await statuses('unlimited', 5)).toEqual([200, 200, 200, 200, 200]);
      expect(await statuses('limited', 2)).toEqual([200, 429]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await h.close();
    }
  });
});
