/**
 * npm run chaos — the reliability suite (docs/reliability.md). With a Redis and a store of its
 * own, it runs a signed WhatsApp Cloud load with provider-style retries into gateway processes
 * and injects each fault in turn: kill -9 of an all-in-one gateway, of the worker of an
 * api/worker split, a Redis restart, the store stopped for 10 s, the helpdesk down for 60 s.
 * Per fault it prints sent, acknowledged, stored, lost, duplicated, events delivered and order
 * violations; it exits 1 when anything was lost, duplicated, left unacknowledged or undelivered,
 * delivered out of its conversation's order, or badly signed.
 *
 *   npm run chaos                  the long form (2,400 messages per fault, helpdesk down 60 s)
 *   npm run chaos -- --short       the short form (300 messages per fault, helpdesk down 15 s)
 *   npm run chaos -- --only store-outage,helpdesk-outage
 *   npm run chaos -- --only store-outage --store-down 60    the store down 60 s instead of 10
 *   npm run chaos -- --only redis-failover --cluster        on a Redis Cluster of its own (the faults that need one Redis are left out)
 *   npm run chaos -- --short --customers 5 --messages-per-customer 60    long conversations, few at once
 *
 * Needs the local services of scripts/services.sh: the FerretDB binary it builds and its
 * PostgreSQL cluster, in which the suite makes (and drops) a database of its own.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../support.js';
import { faultsFor } from './faults.js';
import { RedisClusterInstance } from './redis-cluster-instance.js';
import { RedisInstance } from './redis-instance.js';
import { failuresOf, summaryOf, tableOf } from './report.js';
import { runFault, type FaultOutcome, type LoadShape } from './run-fault.js';
import { StoreInstance } from './store-instance.js';

const FORMS = {
  long: { plan: { count: 2400, ratePerSecond: 20, activeSenders: 50, messagesPerSender: 10 }, storeDownMs: 10_000, helpdeskDownMs: 60_000 },
  short: { plan: { count: 300, ratePerSecond: 12, activeSenders: 30, messagesPerSender: 5 }, storeDownMs: 10_000, helpdeskDownMs: 15_000 },
};
/** The share of a fault's messages sent before it is injected: its outage ends while the load still runs. */
const FAULT_AFTER = 0.2;
/** Generous: a delivery that failed twice while the helpdesk was down waits 5 minutes (±20%) for its third attempt. */
const SETTLE_TIMEOUT_MS = 10 * 60_000;

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    'store-down': { type: 'string' },
    customers: { type: 'string' },
    'messages-per-customer': { type: 'string' },
    cluster: { type: 'boolean', default: false },
  },
});
const formName = values.short ? 'short' : 'long';
const form = FORMS[formName];
/** A whole number above zero given as `option`, else the form's `fallback`; a bad one ends the run (exit 2). */
function countOption(option: 'store-down' | 'customers' | 'messages-per-customer', fallback: number): number {
  const given = values[option];
  if (given === undefined) return fallback;
  const n = Number(given);
  if (Number.isInteger(n) && n > 0) return n;
  console.error(`--${option} takes a whole number above zero, not "${given}"`);
  process.exit(2);
}
const storeDownMs = countOption('store-down', form.storeDownMs / 1000) * 1000;
const plan = { ...form.plan, activeSenders: countOption('customers', form.plan.activeSenders), messagesPerSender: countOption('messages-per-customer', form.plan.messagesPerSender) };
const shape: LoadShape = { plan, faultAfter: FAULT_AFTER, settleTimeoutMs: SETTLE_TIMEOUT_MS };
const redisKind = values.cluster ? 'cluster' : 'single';
const allFaults = faultsFor({ storeDownMs, helpdeskDownMs: form.helpdeskDownMs }).filter((f) => !f.redis || f.redis === redisKind);
const only = values.only?.split(',').map((id) => id.trim());
const unknown = only?.filter((id) => !allFaults.some((f) => f.id === id)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown fault ${unknown.join(', ')}; the faults on ${values.cluster ? 'a Redis Cluster' : 'one Redis (--cluster for a cluster)'} are ${allFaults.map((f) => f.id).join(', ')}`);
  process.exit(2);
}
const faults = only ? allFaults.filter((f) => only.includes(f.id)) : allFaults;

const say = (line: string) => console.log(`[chaos] ${line}`);
const loadAverage = () => loadavg().map((n) => n.toFixed(2)).join(' ');

// Redis's append-only file, FerretDB's state and every process's log; kept when something fails.
const runDir = join(fileURLToPath(new URL('../../', import.meta.url)), '.data', 'chaos', String(process.pid));
mkdirSync(runDir, { recursive: true });
const redis = values.cluster ? await RedisClusterInstance.create(runDir) : new RedisInstance(runDir, await freePort());
const store = new StoreInstance(runDir, await freePort());

let tornDown: Promise<void> | undefined;
/** Stops our Redis and FerretDB and drops our database, once; gateway processes end with the suite (processes.ts). */
function tearDown(): Promise<void> {
  tornDown ??= (async () => {
    await redis.stop().catch((err: unknown) => say(`stopping redis: ${String(err)}`));
    await store.stop().catch((err: unknown) => say(`stopping FerretDB: ${String(err)}`));
    await store.drop().catch((err: unknown) => say(`dropping database ${store.database}: ${String(err)}`));
  })();
  return tornDown;
}
// Not `once`: a second Ctrl-C (or tsx passing the signal on) must not end the process mid-teardown.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!tornDown) say(`${signal}: cleaning up (logs in ${runDir})`);
    void tearDown().finally(() => process.exit(130));
  });
}

const outcomes: FaultOutcome[] = [];
let failed = false;
try {
  say(`${formName} form: ${faults.map((f) => f.id).join(', ')}; load average ${loadAverage()}`);
  await store.create();
  await Promise.all([redis.start(), store.start()]);
  say(`own instances: redis at ${redis.url}, FerretDB on port ${store.port} over PostgreSQL database ${store.database}`);
  for (const fault of faults) {
    const faultSay = (line: string) => console.log(`[chaos:${fault.id}] ${line}`);
    const outcome = await runFault(fault, { redis, store, logDir: runDir }, shape, faultSay);
    for (const line of summaryOf(outcome)) faultSay(line);
    outcomes.push(outcome);
  }
  failed = outcomes.some((o) => failuresOf(o.figures).length > 0);
} catch (err) {
  failed = true;
  say(`aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await tearDown();
}

say(`${formName} form, load average ${loadAverage()}${formName === 'short' ? `; helpdesk down ${form.helpdeskDownMs / 1000} s instead of 60 s` : ''}`);
for (const line of tableOf(outcomes)) console.log(line);
if (failed) {
  say(`FAILED; logs kept in ${runDir}`);
  process.exit(1);
}
rmSync(runDir, { recursive: true, force: true });
say('passed: nothing lost, duplicated, unacknowledged, undelivered, out of order or badly signed');
process.exit(0);
