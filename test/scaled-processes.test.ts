import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeployment, type Deployment } from '../bench/chaos/gateway.js';
import { pollUntil } from '../bench/chaos/poll.js';
import { ProviderLoad } from '../bench/chaos/provider-load.js';
import { provision, type Channel } from '../bench/chaos/provision.js';
import { Tally } from '../bench/chaos/tally.js';
import { freePort } from '../bench/support.js';
import { HelpdeskStub } from './support/helpdesk-stub.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

/**
 * Omnigate as a business runs it beyond one machine: two `api` processes behind a load balancer
 * and two `worker` processes (src/main.ts, each an OS process of its own), on one store and one
 * Redis (a Redis Cluster when REDIS_URL says so). A signed provider load spread over both APIs,
 * then the checks no single process could fake: every message stored once, every event delivered
 * once and in order, every assignment within capacity, every timer fired once.
 */
const AGENTS = 4;
const CAPACITY = 3;
const SNOOZED = 4;
const PLAN = { count: 120, ratePerSecond: 10, activeSenders: 12, messagesPerSender: 4 };
/** Four processes compile and start on a busy 2-core machine. */
const START_TIMEOUT_MS = 300_000;

let h: Harness;
let helpdesk: HelpdeskStub;
let deployment: Deployment;
let channel: Channel;
let logDir: string;

beforeAll(async () => {
  h = await startHarness({ workers: false });
  helpdesk = await HelpdeskStub.start();
  logDir = mkdtempSync(join(tmpdir(), 'omnigate-scaled-'));
  const { config } = h.ctx;
  const port = await freePort();
  deployment = await startDeployment(
    'scaled',
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      MONGODB_URI: config.MONGODB_URI,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      OMNIGATE_ADMIN_TOKEN: config.OMNIGATE_ADMIN_TOKEN,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      API_RATE_LIMIT_PER_MINUTE: '0',
      // Nothing is sent; were something sent, it would find nothing listening.
      GRAPH_API_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    },
    logDir,
  );
  channel = await provision(deployment.api.base, config.OMNIGATE_ADMIN_TOKEN, helpdesk);
}, START_TIMEOUT_MS);

afterAll(async () => {
  await deployment?.stop();
  await helpdesk?.stop();
  await h?.close();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
}, START_TIMEOUT_MS);

/** A call to the public API of the `i`-th API process, as the workspace's admin. */
async function api(i: number, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${deployment.apis[i % deployment.apis.length]!.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${channel.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

describe('two api and two worker processes on one store and one Redis', () => {
  it('store every message once, deliver every event once and in order, assign within capacity, fire every timer once', async () => {
    // Agents in a least-busy queue that takes every conversation, made through both APIs.
    const agentIds: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const agent = await api(i, 'POST', '/v1/agents', { name: `Agent ${i}`, email: `agent${i}@scaled.test`, status: 'available', capacity: CAPACITY });
      agentIds.push(agent.id);
    }
    await api(1, 'POST', '/v1/queues', { name: 'Everyone', strategy: 'least_busy', agentIds, priority: 1 });

    const load = new ProviderLoad(channel, 'scaled', PLAN, deployment.apis.map((p) => p.base));
    const tally = new Tally(h.ctx.store.connection, helpdesk, load);
    await load.run();
    await pollUntil(
      'every message acknowledged, stored and delivered',
      async () => {
        const p = await tally.progress();
        return p.acknowledged === PLAN.count && p.storedAcknowledged === PLAN.count && p.deliveredStored === p.stored ? true : undefined;
      },
      { timeoutMs: 240_000, everyMs: 1000 },
    );
    await load.stop();
    const figures = await tally.figures();
    expect(figures).toMatchObject({ sent: PLAN.count, stored: PLAN.count, lost: 0, duplicated: 0, undelivered: 0, orderViolations: 0, unacknowledged: 0, badSignatures: 0 });

    // Routing from two workers: the slots fill up to capacity, never beyond.
    const { conversations, contacts, agentSlots, conversationTransitions } = h.ctx.store;
    const assigned = await eventually(async () => {
      const active = await conversations.find({ status: 'active' }).lean();
      return active.length === AGENTS * CAPACITY ? active : null;
    });
    // One conversation per customer, however their messages were spread over the processes.
    expect(await conversations.countDocuments({})).toBe(await contacts.countDocuments({}));
    for (const agentId of agentIds) {
      const held = assigned.filter((c) => String(c.assigneeId) === agentId).length;
      expect(held).toBe(CAPACITY);
      expect(await agentSlots.countDocuments({ agentId })).toBe(held);
    }

    // Snoozes through both APIs: each wakes once, whichever worker holds its timer.
    const snoozed = assigned.slice(0, SNOOZED).map((c) => String(c._id));
    const until = new Date(Date.now() + 3000).toISOString();
    await Promise.all(snoozed.map((id, i) => api(i, 'POST', `/v1/conversations/${id}/snooze`, { until })));
    await eventually(async () => (await conversations.countDocuments({ _id: { $in: snoozed }, status: 'snoozed' })) === 0, 60_000);
    for (const id of snoozed) {
      expect(await conversationTransitions.countDocuments({ conversationId: id, from: 'snoozed' })).toBe(1);
    }
    // Waking again takes slots: still nobody over capacity.
    for (const agentId of agentIds) {
      expect(await conversations.countDocuments({ assigneeId: agentId, status: 'active' })).toBeLessThanOrEqual(CAPACITY);
    }
  }, 600_000);
});
