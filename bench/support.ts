/** What the benchmark scripts share: ports, child processes, a gateway with a channel, payloads. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import mongoose from 'mongoose';
import { metaSignature as signMeta } from '../sandbox/providers/meta/webhook.js';
import { QUEUE_NAMES, queuePrefix } from '../src/jobs/queues.js';
import { openRedis, type RedisClient } from '../src/redis/connections.js';
import { readCommandCounts, type CommandCounts } from './command-counts.js';

export const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/omnigate';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Names this run's databases, queue prefixes and message ids. */
export const runId = randomBytes(3).toString('hex');
export const PHONE_NUMBER_ID = '100200300';

export function benchDb(name: string): string {
  const u = new URL(MONGODB_URI);
  u.pathname = `/omnigate_bench_${name}_${runId}`;
  return u.toString();
}

export async function dropBenchDb(name: string): Promise<void> {
  const connection = await mongoose.createConnection(benchDb(name)).asPromise();
  await connection.dropDatabase();
  await connection.close();
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  return port;
}

/** Polls `url` until it answers 2xx; gives up early when the process serving it has exited. */
export async function waitFor(url: string, opts: { timeoutMs?: number; process?: ChildProcess } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (opts.process && opts.process.exitCode !== null) throw new Error(`the process serving ${url} exited with ${opts.process.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

/** The preload that counts store commands and Redis round trips in a process (bench/command-counter.ts). */
const COMMAND_COUNTER = new URL('./command-counter.ts', import.meta.url).href;

/**
 * Runs `script` under tsx. With `commandCounterPort`, bench/command-counter.ts is preloaded and
 * answers on that loopback port with the process's counts (readCommandCounts).
 */
export function startProcess(script: string, env: Record<string, string>, opts: { commandCounterPort?: number } = {}): ChildProcess {
  const counter = opts.commandCounterPort === undefined ? [] : ['--import', COMMAND_COUNTER];
  const counterEnv = opts.commandCounterPort === undefined ? {} : { COMMAND_COUNTER_PORT: String(opts.commandCounterPort) };
  const child = spawn(process.execPath, ['--import', 'tsx', ...counter, script], {
    env: { ...process.env, ...env, ...counterEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.resume();
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** X-Hub-Signature-256 of a body, as Meta signs it (the sandbox's signer). */
export { signMeta };

/** A WhatsApp Cloud webhook with one text message whose id is unique to this run and `n`. */
export function whatsappTextWebhook(phoneNumberId: string, n: number): { body: string; messageId: string } {
  const from = `1555${String(n % 5000).padStart(7, '0')}`;
  const messageId = `wamid.bench.${runId}.${n}`;
  const body = JSON.stringify({
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
              contacts: [{ profile: { name: 'Bench' }, wa_id: from }],
              messages: [{ from, id: messageId, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `message ${n}` } }],
            },
          },
        ],
      },
    ],
  });
  return { body, messageId };
}

/** When a burst began and was acknowledged, and the ids of its messages in the order they were sent. */
export interface Burst {
  ids: string[];
  began: number;
  acked: number;
  ackErrors: number;
}

/**
 * Posts `count` signed WhatsApp Cloud webhooks (messages `first` to `first + count - 1`) with
 * `connections` requests in flight, each connection sending its next as soon as the last is
 * answered. Times are performance.now().
 */
export async function postBurst(opts: { url: string; appSecret: string; first: number; count: number; connections: number }): Promise<Burst> {
  const ids: string[] = [];
  let next = 0;
  let ackErrors = 0;
  const began = performance.now();
  const post = async () => {
    while (next < opts.count) {
      const { body, messageId } = whatsappTextWebhook(PHONE_NUMBER_ID, opts.first + next++);
      ids.push(messageId);
      const headers = { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, opts.appSecret) };
      const res = await fetch(opts.url, { method: 'POST', body, headers }).catch(() => null);
      if (res?.status !== 200) ackErrors++;
      await res?.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, post));
  return { ids, began, acked: performance.now(), ackErrors };
}

export interface Gateway {
  base: string;
  /** The channel's webhook URL and the app secret to sign for it. */
  webhookUrl: string;
  appSecret: string;
  apiKey: string;
  queuePrefix: string;
  /** The gateway process's store commands and Redis round trips so far; only when started with `countCommands`. */
  commandCounts?: () => Promise<CommandCounts>;
  stop(): Promise<void>;
}

/**
 * A gateway process (`role`: api only, or api + workers) with a workspace and a WhatsApp Cloud
 * channel; with `countCommands`, the command counter is preloaded into it.
 */
export async function startGateway(opts: { name: string; role: 'api' | 'all'; env?: Record<string, string>; countCommands?: boolean }): Promise<Gateway> {
  const port = await freePort();
  const counterPort = opts.countCommands ? await freePort() : undefined;
  const adminToken = randomBytes(24).toString('hex');
  const queuePrefix = `bench-${opts.name}-${runId}`;
  const env = {
    MONGODB_URI: benchDb(opts.name),
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    OMNIGATE_ROLE: opts.role,
    QUEUE_PREFIX: queuePrefix,
    OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OMNIGATE_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...opts.env,
  };
  const child = startProcess('src/main.ts', env, { commandCounterPort: counterPort });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`, { process: child });
  const post = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; apiKey: { key: string }; secret?: string };
  };
  const ws = await post('/v1/admin/workspaces', adminToken, { name: 'bench' });
  const appSecret = randomBytes(16).toString('hex');
  const channel = await post('/v1/channels', ws.apiKey.key, {
    type: 'whatsapp-cloud',
    name: 'bench',
    settings: { phoneNumberId: PHONE_NUMBER_ID, wabaId: '400500600' },
    secrets: { accessToken: 'x', appSecret, verifyToken: 'y' },
  });
  return {
    base,
    webhookUrl: `${base}/webhooks/whatsapp-cloud/${channel.id}`,
    appSecret,
    apiKey: ws.apiKey.key,
    queuePrefix,
    ...(counterPort !== undefined && { commandCounts: () => readCommandCounts(counterPort) }),
    stop: () => stopProcess(child),
  };
}

/**
 * Deletes every Redis key of a run's prefix. Obliterating the queues removes BullMQ's keys only;
 * the gateway keeps more under the same prefix (the delivery sequence, real-time streams and
 * their seen-markers, routing load hints, endpoint slots, rate limits, pull leases). Returns how
 * many keys went.
 */
export async function removeKeys(redis: RedisClient, prefix: string): Promise<number> {
  let removed = 0;
  // A cluster's keys are spread over its masters, each scanned on its own; a queue's keys there
  // start with its hash tag, `{<prefix>:<queue>}` (src/jobs/queues.ts).
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    for (const match of redis.isCluster ? [`${prefix}:*`, `{${prefix}:*`] : [`${prefix}:*`]) {
      for await (const keys of node.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>) {
        // One key per command: the keys of one scan page may be in different cluster slots.
        const counts = await Promise.all(keys.map((key) => node.unlink(key)));
        removed += counts.reduce((a, b) => a + b, 0);
      }
    }
  }
  return removed;
}

/**
 * Removes what a stopped run left in Redis under `prefix`: its BullMQ queues and every other key
 * (deleting a queue's keys is what obliterating it does, once nothing works on it).
 */
export async function removeRun(prefix: string): Promise<void> {
  const redis = openRedis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    await removeKeys(redis, prefix);
  } finally {
    await redis.quit();
  }
}

/**
 * Waits until no queue of the gateway under `prefix` (or the queues `names`) has a job waiting or
 * running: the work the measured operations caused is done. Delayed jobs (lifecycle timers, hours
 * away) do not count. False when that did not happen within `timeoutMs`.
 */
export async function waitForIdleQueues(prefix: string, timeoutMs: number, names: readonly string[] = Object.values(QUEUE_NAMES)): Promise<boolean> {
  const redis = openRedis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = names.map((name) => new Queue(name, { connection: redis, prefix: queuePrefix(redis, prefix, name) }));
  const busy = async () => {
    const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children')));
    return counts.some((c) => Object.values(c).some((n) => n > 0));
  };
  try {
    const deadline = Date.now() + timeoutMs;
    // Idle twice in a row: a job that ends adds its follow-up job before it stops being active,
    // but a check that straddles the two could still see neither.
    for (let idleChecks = 0; idleChecks < 2; ) {
      if (Date.now() > deadline) return false;
      idleChecks = (await busy()) ? 0 : idleChecks + 1;
      await new Promise((r) => setTimeout(r, 200));
    }
    return true;
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    await redis.quit();
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(2));
}
