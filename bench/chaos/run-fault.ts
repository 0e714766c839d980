/**
 * One fault, start to end: the fault's gateway processes on a database and queue prefix of its
 * own, a helpdesk stand-in subscribed through the API, the provider's load, the fault injected
 * once a share of the load is sent (its outage ends while the load still runs), then the wait
 * until every acknowledged message is stored and every stored message's event delivered (or the
 * deadline), and the count.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { HelpdeskStub } from '../../test/support/helpdesk-stub.js';
import { freePort } from '../support.js';
import type { Fault } from './faults.js';
import { startDeployment } from './gateway.js';
import { pollUntil } from './poll.js';
import { ProviderLoad, type LoadPlan } from './provider-load.js';
import { provision } from './provision.js';
import type { RedisClusterInstance } from './redis-cluster-instance.js';
import type { RedisInstance } from './redis-instance.js';
import type { StoreInstance } from './store-instance.js';
import { Tally, type Figures, type Progress } from './tally.js';

export interface LoadShape {
  plan: LoadPlan;
  /** The share of the messages sent before the fault is injected. */
  faultAfter: number;
  /** How long after the last first post everything must have settled. */
  settleTimeoutMs: number;
}

export interface Instances {
  redis: RedisInstance | RedisClusterInstance;
  store: StoreInstance;
  /** Where each gateway process writes its log. */
  logDir: string;
}

export interface FaultOutcome {
  fault: Fault;
  figures: Figures;
  /** From the last first post until settled (or the deadline). */
  settleSeconds: number;
}

const PROGRESS_EVERY_MS = 10_000;

const elapsed = (since: number) => Math.round((performance.now() - since) / 1000);

function settled(p: Progress, count: number): boolean {
  return p.sent === count && p.acknowledged === p.sent && p.storedAcknowledged === p.acknowledged && p.deliveredStored === p.stored;
}

/** Says where the fault stands every PROGRESS_EVERY_MS until stopped. */
function reportProgress(tally: Tally, say: (line: string) => void): () => void {
  const began = performance.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tally
      .progress()
      .then(
        (p) => say(`${elapsed(began)} s: sent ${p.sent}, acknowledged ${p.acknowledged}, stored ${p.stored}, delivered ${p.deliveredStored}`),
        () => say(`${elapsed(began)} s: store unreachable`),
      )
      .finally(() => (busy = false));
  }, PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}

/** Settings of the fault's gateway processes: the suite's instances, its own database and prefix, nothing reaching past loopback. */
async function gatewayEnv(fault: Fault, instances: Instances, adminToken: string): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    MONGODB_URI: instances.store.uri(`omnigate_${fault.id.replaceAll('-', '_')}`),
    REDIS_URL: instances.redis.url,
    QUEUE_PREFIX: `chaos-${fault.id}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OMNIGATE_ADMIN_TOKEN: adminToken,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    API_RATE_LIMIT_PER_MINUTE: '0',
    // No send or media download is expected; were there one, it would find nothing listening.
    GRAPH_API_BASE_URL: `http://127.0.0.1:${await freePort()}`,
  };
}

export async function runFault(fault: Fault, instances: Instances, shape: LoadShape, say: (line: string) => void): Promise<FaultOutcome> {
  const adminToken = randomBytes(24).toString('hex');
  const env = await gatewayEnv(fault, instances, adminToken);
  const helpdesk = await HelpdeskStub.start();
  const deployment = await startDeployment(fault.topology, env, instances.logDir);
  const store = mongoose.createConnection(env.MONGODB_URI!, { serverSelectionTimeoutMS: 5000 });
  let stopProgress = () => {};
  try {
    const channel = await provision(deployment.api.base, adminToken, helpdesk);
    const { plan } = shape;
    const load = new ProviderLoad(channel, fault.id, plan);
    const tally = new Tally(store, helpdesk, load);
    stopProgress = reportProgress(tally, say);
    say(`load: ${plan.count} messages at ${plan.ratePerSecond}/s, ${plan.activeSenders} customers writing at once, ${plan.messagesPerSender} messages each`);
    const lastFirstPost = load.run().then(() => performance.now());
    const faultAt = Math.round(plan.count * shape.faultAfter);
    await pollUntil(`${faultAt} messages sent`, async () => (load.messages.length >= faultAt ? true : undefined), { timeoutMs: plan.count * 1000, everyMs: 50 });
    say(`fault after ${faultAt} messages: ${fault.description}`);
    await fault.inject({ deployment, helpdesk, redis: instances.redis, queuePrefix: env.QUEUE_PREFIX!, store: instances.store, say });
    const loadEnded = await lastFirstPost;
    say('every message posted once; waiting until every acknowledged message is stored and its event delivered');
    await pollUntil('settled', async () => (settled(await tally.progress(), plan.count) ? true : undefined), { timeoutMs: shape.settleTimeoutMs, everyMs: 2000 }).catch(
      (err: unknown) => say(`not settled: ${String(err)}`),
    );
    const settleSeconds = elapsed(loadEnded);
    stopProgress();
    await load.stop();
    return { fault, figures: await tally.figures(), settleSeconds };
  } finally {
    stopProgress();
    await deployment.stop();
    await helpdesk.stop();
    await store.close();
  }
}
