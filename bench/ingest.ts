/**
 * bench:ingest — posts signed WhatsApp Cloud webhooks at the gateway for a fixed time and
 * reports sustained messages/s and acknowledgement latency p50/p99; then the same against a
 * bare baseline (bench/baseline-server.ts), and the ratio. Both servers run as their own
 * processes on the same MongoDB and Redis; the load comes from this process.
 *
 * The two are measured in alternating rounds and the medians reported, so that drift in what
 * else the machine is doing weighs on both alike.
 *
 *   npm run bench:ingest -- [--seconds 10] [--rounds 3] [--concurrency 32]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { Agent, request } from 'undici';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '32' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/omnigate';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(3).toString('hex');
const PHONE_NUMBER_ID = '100200300';
/** Every request of the run carries a message id of its own. */
let sequence = 0;
const benchDb = (name: string) => {
  const u = new URL(MONGODB_URI);
  u.pathname = `/omnigate_bench_${name}_${runId}`;
  return u.toString();
};

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  return port;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

function start(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.resume();
  return child;
}

function webhookBody(phoneNumberId: string, n: number): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: 'Bench' }, wa_id: `1555${String(n % 5000).padStart(7, '0')}` }],
              messages: [
                { from: `1555${String(n % 5000).padStart(7, '0')}`, id: `wamid.bench.${runId}.${n}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `message ${n}` } },
              ],
            },
          },
        ],
      },
    ],
  });
}

interface Result {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function load(url: string, phoneNumberId: string, appSecret: string): Promise<Result> {
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const workerLoop = async () => {
    while (Date.now() < deadline) {
      const body = webhookBody(phoneNumberId, sequence++);
      const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
      const started = performance.now();
      try {
        const res = await request(url, { method: 'POST', body, dispatcher: agent, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
        await res.body.dump();
        if (res.statusCode === 200) latencies.push(performance.now() - started);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, workerLoop));
  const elapsed = (performance.now() - began) / 1000;
  await agent.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(2));
  return { requests: latencies.length, errors, perSecond: Math.round(latencies.length / elapsed), p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

interface Target {
  url: string;
  appSecret: string;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The gateway as deployed for ingestion (HTTP role), with a workspace and a channel. */
async function startGateway(): Promise<Target> {
  const port = await freePort();
  const adminToken = randomBytes(24).toString('hex');
  const gateway = start('src/main.ts', {
    MONGODB_URI: benchDb('gateway'),
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    OMNIGATE_ROLE: 'api',
    QUEUE_PREFIX: `bench-gateway-${runId}`,
    OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OMNIGATE_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`);
  const post = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; apiKey: { key: string } };
  };
  const ws = await post('/v1/admin/workspaces', adminToken, { name: 'bench' });
  const appSecret = randomBytes(16).toString('hex');
  const channel = await post('/v1/channels', ws.apiKey.key, {
    type: 'whatsapp-cloud',
    name: 'bench',
    settings: { phoneNumberId: PHONE_NUMBER_ID, wabaId: '400500600' },
    secrets: { accessToken: 'x', appSecret, verifyToken: 'y' },
  });
  return { url: `${base}/webhooks/whatsapp-cloud/${channel.id}`, appSecret, stop: () => stopChild(gateway) };
}

async function startBaseline(): Promise<Target> {
  const port = await freePort();
  const appSecret = randomBytes(16).toString('hex');
  const baseline = start('bench/baseline-server.ts', {
    MONGODB_URI: benchDb('baseline'),
    REDIS_URL,
    APP_SECRET: appSecret,
    PORT: String(port),
    QUEUE_PREFIX: `bench-baseline-${runId}`,
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(url, { method: 'POST', body: '{}' });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('baseline did not come up');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { url, appSecret, stop: () => stopChild(baseline) };
}

/** Drops the run's databases and queues: nothing processes the jobs the run queued. */
async function cleanUp(): Promise<void> {
  for (const name of ['gateway', 'baseline']) {
    const connection = await mongoose.createConnection(benchDb(name)).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  for (const [name, prefix] of [['inbound', `bench-gateway-${runId}`], ['baseline', `bench-baseline-${runId}`]] as const) {
    const queue = new Queue(name, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await redis.quit();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function summarize(results: Result[]) {
  return {
    perSecond: median(results.map((r) => r.perSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    rounds: results.map((r) => r.perSecond),
  };
}

const gatewayTarget = await startGateway();
const baselineTarget = await startBaseline();
const gatewayRuns: Result[] = [];
const baselineRuns: Result[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    gatewayRuns.push(await load(gatewayTarget.url, PHONE_NUMBER_ID, gatewayTarget.appSecret));
    baselineRuns.push(await load(baselineTarget.url, PHONE_NUMBER_ID, baselineTarget.appSecret));
  }
} finally {
  await gatewayTarget.stop();
  await baselineTarget.stop();
  await cleanUp();
}
const gateway = summarize(gatewayRuns);
const baseline = summarize(baselineRuns);
const ratio = Number((gateway.perSecond / baseline.perSecond).toFixed(2));
console.log(JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, gateway, baseline, ratio, target: 0.7, met: ratio >= 0.7 }, null, 2));
