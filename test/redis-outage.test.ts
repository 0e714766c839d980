import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requeueStaleWork } from '../src/app/recovery.js';
import { timerJobId } from '../src/conversations/conversation-timers.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

/** A Redis of this test's own, which it can stop and start again on the same port. */
class PrivateRedis {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'omnigate-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const redis = new PrivateRedis(port);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.process = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
    await eventually(async () => (await fetchPing(this.port)) === '+PONG');
  }

  async down(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }

  async remove(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** PING over a raw socket: whether a Redis answers on the port, without a client that retries. */
function fetchPing(port: number): Promise<string> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString().trim());
        socket.destroy();
      });
      socket.once('error', () => resolve(''));
    });
  });
}

/** Every log line the gateway writes, parsed. */
const lines: Array<{ level: number; msg: string; queue?: string }> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  }),
);

let redis: PrivateRedis;
let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  h = await startHarness({ config: { REDIS_URL: redis.url }, context: { logger } });
  wa = await createWhatsAppWorkspace(h);
});
afterAll(async () => {
  await redis.up().catch(() => undefined);
  await h.close();
  await redis.remove();
});

/** A customer's message; the one during the outage comes from another customer, whose conversation it is. */
function postMessage(id: string, signal?: AbortSignal, from = '15557770001') {
  const body = JSON.stringify(textMessage(wa.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: id }));
  return fetch(`${h.baseUrl}/webhooks/whatsapp-cloud/${wa.channelId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
    body,
    signal,
  });
}

// The outage is what every check below waits on, never a fixed time: a hanging request is
// turned into a failure by the abort signal, so "answers at once" is "answers at all".
describe('Redis unreachable', () => {
  it('readiness says 503 at once, the provider gets a 503 to retry, the workers wait quietly, and all resumes when Redis is back', async () => {
    await postMessage('wamid.BEFORE');
    const first = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: 'wamid.BEFORE' }).lean());
    const conversationId = String(first.conversationId);

    await redis.down();
    await eventually(async () => lines.some((l) => l.msg === 'Redis connection lost'));

    const ready = await fetch(`${h.baseUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', redis: false, mongo: true });
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);

    const during = await postMessage('wamid.DURING', AbortSignal.timeout(10_000), '15557770002');
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ error: { code: 'not_recorded' } });

    // An agent's reply is kept: accepted now, queued by the sweep once Redis is back.
    const reply = await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key: wa.key, body: { type: 'text', text: 'kept' } });
    expect(reply.status).toBe(202);
    // A status change stands too; the timer it could not schedule is owed, and scheduled by the sweep.
    const snoozed = await h.api('POST', `/v1/conversations/${conversationId}/snooze`, { key: wa.key, body: { until: new Date(h.clock.now().getTime() + 3_600_000).toISOString() } });
    expect(snoozed.status).toBe(200);

    // Let the clients retry a few times: no attempt may be a log line of its own.
    const before = lines.length;
    let attempts = 0;
    const countAttempt = () => (attempts += 1);
    h.ctx.redis.on('reconnecting', countAttempt);
    await eventually(async () => attempts >= 3);
    h.ctx.redis.off('reconnecting', countAttempt);
    expect(lines.slice(before).filter((l) => l.level >= 40)).toEqual([]);

    await redis.up();
    await eventually(async () => lines.some((l) => l.msg === 'Redis connection back'));
    const stateLines = lines.filter((l) => l.msg === 'Redis connection lost' || l.msg === 'Redis connection back');
    expect(stateLines.map((l) => l.msg)).toEqual(['Redis connection lost', 'Redis connection back']);

    // The provider's retry is recorded and processed; the workers took up their queues again.
    const retried = await postMessage('wamid.DURING', AbortSignal.timeout(10_000), '15557770002');
    expect(retried.status).toBe(200);
    await eventually(async () => (await h.ctx.store.messages.countDocuments({ providerMessageId: 'wamid.DURING' })) === 1);
    expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200);

    // The minute's sweep, a little over a minute later, queues the kept reply, which is sent once.
    const sent = nock(GRAPH_BASE_URL)
      .post(`/v23.0/${wa.phoneNumberId}/messages`)
      .reply(200, { messaging_product: 'whatsapp', contacts: [{ input: '15557770001', wa_id: '15557770001' }], messages: [{ id: 'wamid.KEPT' }] });
    h.clock.advance(61_000);
    expect(await requeueStaleWork(h.ctx)).toMatchObject({ messages: 1, owedTimers: 1 });
    const after = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(after?.timerOwed).toBeUndefined();
    expect(await h.ctx.queues.timers.getJob(timerJobId(conversationId, 'snooze-wake', after!.lifecycleVersion))).toBeTruthy();
    await eventually(async () => (await h.ctx.store.messages.findById(reply.body.id).lean())?.status === 'accepted');
    expect(sent.isDone()).toBe(true);
  });
});

