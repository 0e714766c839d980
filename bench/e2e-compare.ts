/**
 * bench:e2e-compare — the end-to-end rate of the gateway against a bare baseline on the same
 * store: bench/e2e-baseline-server.ts, which does only what any correct gateway must do per
 * inbound message (record the raw event and queue it before the 200; then upsert the contact and
 * the open conversation, insert the message and an event, and POST one signed webhook). The
 * gateway runs as one process (API + workers), the baseline as another; each has its own
 * database and queue prefix on the same MongoDB and Redis, and its own helpdesk stub in this
 * process that verifies every signature and records `message.received`.
 *
 * Each round sends a burst of `--burst` signed WhatsApp Cloud webhooks to each of the two in turn
 * (the order alternates, so drift in what else the machine does weighs on both alike), over 32
 * keep-alive connections as fast as they are acknowledged. Every message of a run comes from a
 * contact of its own (up to 5,000 messages per target), so nearly every one opens a conversation.
 * The rate is the burst's received messages / seconds from the first post to the last receipt;
 * the target's queues must be idle before the next burst, so no backlog spills over. Messages not
 * received within `--drain` seconds count as lost. Medians over the rounds, and the gateway's
 * median as a share of the baseline's (the goal: 0.5 or more). `uptime` before and after shows
 * how loaded the machine was.
 *
 *   npm run bench:e2e-compare -- [--burst 600] [--rounds 3] [--drain 300]
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { generateWebhookSecret } from '../src/webhooks/signature.js';
import { startHelpdeskStub, subscribeStub, type HelpdeskStub } from './helpdesk-stub.js';
import { benchDb, dropBenchDb, postBurst, REDIS_URL, removeRun, runId, startGateway, startProcess, stopProcess, waitForIdleQueues } from './support.js';

const { values } = parseArgs({
  options: {
    burst: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '3' },
    drain: { type: 'string', default: '300' },
  },
});
const BURST = Number(values.burst);
const ROUNDS = Number(values.rounds);
const DRAIN_MS = Number(values.drain) * 1000;
const CONNECTIONS = 32;
/** The share of the bare baseline's rate the gateway must reach. */
const TARGET_RATIO = 0.5;
const BASELINE_QUEUE = 'e2e-baseline';

interface Target {
  name: 'gateway' | 'baseline';
  url: string;
  appSecret: string;
  stub: HelpdeskStub;
  queuePrefix: string;
  /** The queues to wait for; the gateway's own when absent. */
  queueNames?: string[];
  stop(): Promise<void>;
}

interface Round {
  e2ePerSecond: number;
  ackPerSecond: number;
  lost: number;
  ackErrors: number;
}

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The port a server process prints as `{"port": N}` once it takes requests. */
async function portOf(child: ChildProcess): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the baseline exited with ${String(code)} before it listened`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  return (JSON.parse(line) as { port: number }).port;
}

/** The baseline process, signing for its own stub with a secret of its own. */
async function startBaseline(stub: HelpdeskStub): Promise<Target> {
  const appSecret = randomBytes(16).toString('hex');
  const queuePrefix = `bench-e2e-baseline-${runId}`;
  stub.secret = generateWebhookSecret();
  const child = startProcess('bench/e2e-baseline-server.ts', {
    MONGODB_URI: benchDb('e2e-baseline'),
    REDIS_URL,
    APP_SECRET: appSecret,
    HELPDESK_URL: stub.url,
    HELPDESK_SECRET: stub.secret,
    QUEUE_PREFIX: queuePrefix,
    QUEUE_NAME: BASELINE_QUEUE,
  });
  try {
    const port = await portOf(child);
    return { name: 'baseline', url: `http://127.0.0.1:${port}/`, appSecret, stub, queuePrefix, queueNames: [BASELINE_QUEUE], stop: () => stopProcess(child) };
  } catch (err) {
    if (child.exitCode === null) await stopProcess(child);
    throw err;
  }
}

/** One burst at one target, drained to its stub and until its queues are idle. */
async function burst(target: Target, round: number): Promise<Round> {
  const { ids, began, acked, ackErrors } = await postBurst({ url: target.url, appSecret: target.appSecret, first: round * BURST, count: BURST, connections: CONNECTIONS });
  const deadline = Date.now() + DRAIN_MS;
  while (ids.some((id) => !target.stub.received.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const receipts = ids.flatMap((id) => target.stub.received.get(id) ?? []);
  if (!(await waitForIdleQueues(target.queuePrefix, DRAIN_MS, target.queueNames))) throw new Error(`${target.name}: the queues did not become idle`);
  const last = Math.max(...receipts);
  return {
    e2ePerSecond: receipts.length === 0 ? 0 : Math.round(receipts.length / ((last - began) / 1000)),
    ackPerSecond: Math.round(BURST / ((acked - began) / 1000)),
    lost: ids.length - receipts.length,
    ackErrors,
  };
}

function summarize(target: Target, rounds: Round[]) {
  return {
    e2ePerSecond: median(rounds.map((r) => r.e2ePerSecond)),
    ackPerSecond: median(rounds.map((r) => r.ackPerSecond)),
    lost: rounds.reduce((n, r) => n + r.lost, 0),
    ackErrors: rounds.reduce((n, r) => n + r.ackErrors, 0),
    badSignatures: target.stub.badSignatures,
    rounds,
  };
}

const uptimeBefore = uptime();
const targets: Target[] = [];
const stubs: HelpdeskStub[] = [];
try {
  const gatewayStub = await startHelpdeskStub();
  stubs.push(gatewayStub);
  const gateway = await startGateway({ name: 'e2e-compare', role: 'all', env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  targets.push({ name: 'gateway', url: gateway.webhookUrl, appSecret: gateway.appSecret, stub: gatewayStub, queuePrefix: gateway.queuePrefix, stop: gateway.stop });
  await subscribeStub(gateway, gatewayStub);
  // A stub holds one secret, so the baseline gets a stub of its own.
  const baselineStub = await startHelpdeskStub();
  stubs.push(baselineStub);
  targets.push(await startBaseline(baselineStub));

  const results: Record<Target['name'], Round[]> = { gateway: [], baseline: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) results[target.name].push(await burst(target, round));
  }
  const gatewaySummary = summarize(targets[0]!, results.gateway);
  const baselineSummary = summarize(targets[1]!, results.baseline);
  // A baseline that delivered nothing leaves no ratio (null), and no target met.
  const share = gatewaySummary.e2ePerSecond / baselineSummary.e2ePerSecond;
  const ratio = Number.isFinite(share) ? Number(share.toFixed(2)) : null;
  console.log(
    JSON.stringify(
      {
        uptimeBefore,
        uptimeAfter: uptime(),
        burst: BURST,
        rounds: ROUNDS,
        connections: CONNECTIONS,
        gateway: gatewaySummary,
        baseline: baselineSummary,
        ratio,
        target: TARGET_RATIO,
        met: ratio !== null && ratio >= TARGET_RATIO,
      },
      null,
      2,
    ),
  );
} finally {
  for (const target of targets) await target.stop();
  for (const stub of stubs) stub.close();
  for (const name of ['e2e-compare', 'e2e-baseline']) await dropBenchDb(name);
  for (const prefix of [`bench-e2e-compare-${runId}`, `bench-e2e-baseline-${runId}`]) await removeRun(prefix);
}
