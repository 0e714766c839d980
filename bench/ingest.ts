/**
 * bench:ingest — posts signed WhatsApp Cloud webhooks at the gateway for a fixed time and
 * reports sustained messages/s and acknowledgement latency p50/p99; then the same against a
 * bare baseline (bench/baseline-server.ts), and the ratio. Both servers run as their own
 * processes on the same MongoDB and Redis; the load comes from this process.
 *
 * The two are measured in alternating rounds and the medians reported, so that drift in what
 * else the machine is doing weighs on both alike.
 *
 * Both server processes count their store commands and Redis round trips
 * (bench/command-counter.ts); `perRequest` is what the rounds' requests cost together divided by
 * them. The counter costs a little time in both; `--no-count` leaves it out.
 *
 *   npm run bench:ingest -- [--seconds 10] [--rounds 3] [--concurrency 32] [--no-count]
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { addCounts, countsBetween, emptyCounts, perOperation, readCommandCounts, type CommandCounts } from './command-counts.js';
import {
  benchDb,
  dropBenchDb,
  freePort,
  percentile,
  PHONE_NUMBER_ID,
  REDIS_URL,
  removeRun,
  runId,
  signMeta,
  startGateway,
  startProcess,
  stopProcess,
  whatsappTextWebhook,
} from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    count: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const COUNT = values.count;
/** The share of the bare baseline's rate the gateway must reach. */
const TARGET_RATIO = 0.85;
/** Every request of the run carries a message id of its own. */
let sequence = 0;

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
      const { body } = whatsappTextWebhook(phoneNumberId, sequence++);
      const signature = signMeta(body, appSecret);
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
  return { requests: latencies.length, errors, perSecond: Math.round(latencies.length / elapsed), p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}

interface Target {
  url: string;
  appSecret: string;
  /** The server process's counts so far, when it runs with the command counter. */
  commandCounts?: () => Promise<CommandCounts>;
  stop(): Promise<void>;
}

async function startBaseline(): Promise<Target> {
  const port = await freePort();
  const counterPort = COUNT ? await freePort() : undefined;
  const appSecret = randomBytes(16).toString('hex');
  const env = {
    MONGODB_URI: benchDb('baseline'),
    REDIS_URL,
    APP_SECRET: appSecret,
    PORT: String(port),
    QUEUE_PREFIX: `bench-baseline-${runId}`,
  };
  const baseline = startProcess('bench/baseline-server.ts', env, { commandCounterPort: counterPort });
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
  return {
    url,
    appSecret,
    ...(counterPort !== undefined && { commandCounts: () => readCommandCounts(counterPort) }),
    stop: () => stopProcess(baseline),
  };
}

/** One round against `target`, and what the target's process did for it. */
async function measure(target: Target): Promise<{ result: Result; counts?: CommandCounts }> {
  const before = await target.commandCounts?.();
  const result = await load(target.url, PHONE_NUMBER_ID, target.appSecret);
  // Answered means recorded and queued: nothing of these requests is still running.
  const after = await target.commandCounts?.();
  return { result, ...(before && after && { counts: countsBetween(before, after) }) };
}

/** Drops the run's databases and queues: nothing processes the jobs the run queued. */
async function cleanUp(): Promise<void> {
  for (const name of ['gateway', 'baseline']) await dropBenchDb(name);
  for (const prefix of [`bench-gateway-${runId}`, `bench-baseline-${runId}`]) await removeRun(prefix);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function summarize(runs: { result: Result; counts?: CommandCounts }[]) {
  const results = runs.map((r) => r.result);
  const requests = results.reduce((n, r) => n + r.requests + r.errors, 0);
  const counted = runs.flatMap((r) => (r.counts ? [r.counts] : []));
  return {
    perSecond: median(results.map((r) => r.perSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    rounds: results.map((r) => r.perSecond),
    ...(counted.length > 0 && { perRequest: perOperation(counted.reduce(addCounts, emptyCounts()), requests, 'requests') }),
  };
}

// The gateway as deployed for ingestion (HTTP role), with a workspace and a channel.
const { webhookUrl, appSecret, stop, commandCounts } = await startGateway({ name: 'gateway', role: 'api', countCommands: COUNT });
const gatewayTarget: Target = { url: webhookUrl, appSecret, stop, ...(commandCounts && { commandCounts }) };
const baselineTarget = await startBaseline();
const gatewayRuns: Awaited<ReturnType<typeof measure>>[] = [];
const baselineRuns: Awaited<ReturnType<typeof measure>>[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    gatewayRuns.push(await measure(gatewayTarget));
    baselineRuns.push(await measure(baselineTarget));
  }
} finally {
  await gatewayTarget.stop();
  await baselineTarget.stop();
  await cleanUp();
}
const gateway = summarize(gatewayRuns);
const baseline = summarize(baselineRuns);
const ratio = Number((gateway.perSecond / baseline.perSecond).toFixed(2));
console.log(JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, gateway, baseline, ratio, target: TARGET_RATIO, met: ratio >= TARGET_RATIO }, null, 2));
