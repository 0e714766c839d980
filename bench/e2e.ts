/**
 * bench:e2e — the whole inbound path as a helpdesk sees it: signed WhatsApp Cloud webhooks are
 * posted to a gateway process (API + workers) at a steady rate, and a helpdesk stub in this
 * process receives the signed `message.received` webhooks. Latency is from the start of the
 * provider's POST to the stub's receipt of the matching event; the stub verifies every
 * signature as a receiver would. Messages never received within the drain time count as lost.
 *
 * The gateway process counts its store commands and Redis round trips (bench/command-counter.ts);
 * `perMessage` is what all messages sent cost together, from the first post until every job they
 * caused has run, divided by the messages. Idle workers keep asking Redis for jobs, so the same
 * counts are first taken over `--idle` seconds without traffic (`idlePerSecond`): that much of
 * each second of the measured phase is not the messages' doing. `--no-count` leaves the counter out.
 *
 *   npm run bench:e2e -- [--rate 50] [--seconds 20] [--warmup 3] [--drain 60] [--idle 5] [--no-count]
 */
import { parseArgs } from 'node:util';
import { countsBetween, perOperation, type CommandCounts } from './command-counts.js';
import { startHelpdeskStub, subscribeStub } from './helpdesk-stub.js';
import { dropBenchDb, percentile, PHONE_NUMBER_ID, removeRun, signMeta, startGateway, waitForIdleQueues, whatsappTextWebhook } from './support.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    drain: { type: 'string', default: '60' },
    idle: { type: 'string', default: '5' },
    count: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const DRAIN_SECONDS = Number(values.drain);
const IDLE_SECONDS = Number(values.idle);
const COUNT = values.count;

const stub = await startHelpdeskStub();

const gateway = await startGateway({ name: 'e2e', role: 'all', env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, countCommands: COUNT });
const sent = new Map<string, number>();
let ackErrors = 0;
let counted: { counts: CommandCounts; seconds: number; jobsFinished: boolean } | undefined;
let idle: CommandCounts | undefined;
try {
  await subscribeStub(gateway, stub);

  if (gateway.commandCounts && IDLE_SECONDS > 0) {
    const idleFrom = await gateway.commandCounts();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    idle = countsBetween(idleFrom, await gateway.commandCounts());
  }

  // Open loop: message n leaves at n / RATE seconds whether or not earlier ones were answered.
  const total = Math.round(RATE * SECONDS);
  const countsBefore = await gateway.commandCounts?.();
  const began = performance.now();
  const posts: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = began + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { body, messageId } = whatsappTextWebhook(PHONE_NUMBER_ID, n);
    sent.set(messageId, performance.now());
    posts.push(
      fetch(gateway.webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, gateway.appSecret) } }).then(
        (res) => {
          if (res.status !== 200) ackErrors++;
        },
        () => {
          ackErrors++;
        },
      ),
    );
  }
  await Promise.all(posts);
  const drainUntil = Date.now() + DRAIN_SECONDS * 1000;
  while (stub.received.size < sent.size && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));
  if (countsBefore && gateway.commandCounts) {
    // The message.received webhook is not the last of it: the events jobs of the other events
    // (routing, automation, real-time) may still run. Counted once the queues are idle.
    const jobsFinished = await waitForIdleQueues(gateway.queuePrefix, Math.max(0, drainUntil - Date.now()) + 10_000);
    const countsAfter = await gateway.commandCounts();
    counted = { counts: countsBetween(countsBefore, countsAfter), seconds: Number(((performance.now() - began) / 1000).toFixed(1)), jobsFinished };
  }
} finally {
  await gateway.stop();
  stub.close();
  await dropBenchDb('e2e');
  await removeRun(gateway.queuePrefix);
}

const warmupCount = Math.round(RATE * WARMUP);
const latencies = [...sent.entries()]
  .slice(warmupCount)
  .flatMap(([id, at]) => { const got = stub.received.get(id); return got === undefined ? [] : [got - at]; })
  .sort((a, b) => a - b);
console.log(
  JSON.stringify(
    {
      rate: RATE,
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      sent: sent.size,
      received: stub.received.size,
      lost: sent.size - stub.received.size,
      ackErrors,
      badSignatures: stub.badSignatures,
      measured: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: Number((latencies.at(-1) ?? NaN).toFixed(2)),
      ...(counted && {
        countedSeconds: counted.seconds,
        countedUntilJobsFinished: counted.jobsFinished,
        perMessage: perOperation(counted.counts, sent.size, 'messages'),
      }),
      ...(idle && { idlePerSecond: perOperation(idle, IDLE_SECONDS, 'seconds without traffic') }),
    },
    null,
    2,
  ),
);
