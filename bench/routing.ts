/**
 * bench:routing — automatic assignment of a backlog: N queued conversations in one automatic
 * queue whose members are M available agents, each conversation routed once through
 * `Router.route` (the call a queued conversation gets when it arrives or is re-routed) with a
 * fixed number of calls in flight. Reports the latency of each call (p50/p99), assignments/s,
 * and checks that every conversation was assigned exactly once and no agent is over capacity.
 *
 * Runs in-process on its own database (`omnigate_bench_routing_<id>`) and queue prefix, both
 * removed at the end. Nothing processes the jobs the assignments queue (events, timers).
 *
 * The routing calls run in this process, so the command counter (bench/command-counter.ts) is
 * installed here: `perCall` is the store commands and Redis round trips of the timed phase divided
 * by the calls made. `--no-count` leaves the counter out.
 *
 *   npm run bench:routing -- [--conversations 10000] [--agents 1000] [--capacity 10]
 *                            [--concurrency 32] [--strategy least_busy|round_robin] [--seconds 0]
 *                            [--no-count]
 *
 * `--seconds` > 0 stops starting new calls after that long (the checks then cover the calls made).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { loadConfig } from '../config/load.js';
import { closeContext, createContext } from '../src/app/context.js';
import { openThreadKey } from '../src/domain/conversation.js';
import { createLogger } from '../src/logger.js';
import { commandCounts, installCommandCounter } from './command-counter.js';
import { countsBetween, perOperation } from './command-counts.js';
import { benchDb, percentile, REDIS_URL, removeKeys, runId } from './support.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '10000' },
    agents: { type: 'string', default: '1000' },
    capacity: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    strategy: { type: 'string', default: 'least_busy' },
    seconds: { type: 'string', default: '0' },
    count: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const CONVERSATIONS = Number(values.conversations);
function strategyOf(value: string | undefined): 'least_busy' | 'round_robin' {
  if (value === 'least_busy' || value === 'round_robin') return value;
  throw new Error('--strategy must be least_busy or round_robin');
}

const AGENTS = Number(values.agents);
const CAPACITY = Number(values.capacity);
const CONCURRENCY = Number(values.concurrency);
const STRATEGY = strategyOf(values.strategy);
const SECONDS = Number(values.seconds);
const COUNT = values.count;
for (const [name, n] of Object.entries({ CONVERSATIONS, AGENTS, CAPACITY, CONCURRENCY })) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name.toLowerCase()} must be a positive integer`);
}

// Before the context connects: clients connected earlier are not counted.
if (COUNT) installCommandCounter();
const config = loadConfig({
  NODE_ENV: 'production',
  MONGODB_URI: benchDb('routing'),
  REDIS_URL,
  QUEUE_PREFIX: `bench-routing-${runId}`,
  OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  OMNIGATE_ADMIN_TOKEN: randomBytes(24).toString('hex'),
  LOG_LEVEL: 'warn',
});
const ctx = await createContext(config, { logger: createLogger(config.LOG_LEVEL) });
const { store } = ctx;

const secondsSince = (t: number) => Number(((performance.now() - t) / 1000).toFixed(2));

/** Workspace, channel, agents, queue, contacts and queued conversations, inserted in bulk. */
async function seed() {
  const began = performance.now();
  const workspace = await store.workspaces.create({ name: 'bench routing' });
  const workspaceId = workspace._id;
  const channel = await ctx.channels.create(workspaceId, {
    type: 'whatsapp-cloud',
    name: 'bench',
    settings: { phoneNumberId: '100200300', wabaId: '400500600' },
    secrets: { accessToken: 'x', appSecret: randomBytes(16).toString('hex'), verifyToken: 'y' },
  });
  const channelId = channel._id;

  const agentIds = Array.from({ length: AGENTS }, () => new Types.ObjectId());
  await store.agents.insertMany(
    agentIds.map((_id, i) => ({ _id, workspaceId, name: `Agent ${i}`, email: `agent${i}@bench.test`, status: 'available', capacity: CAPACITY })),
  );
  const queue = await store.routingQueues.create({ workspaceId, name: 'bench', priority: 1, strategy: STRATEGY, agentIds });

  // Through the driver's collections, in batches: the documents as the lifecycle expects them.
  const conversationIds: Types.ObjectId[] = [];
  const BATCH = 1000;
  for (let start = 0; start < CONVERSATIONS; start += BATCH) {
    const n = Math.min(BATCH, CONVERSATIONS - start);
    const now = new Date();
    const contacts = Array.from({ length: n }, (_, i) => ({
      _id: new Types.ObjectId(),
      workspaceId,
      name: `Contact ${start + i}`,
      phone: `+1555${String(start + i).padStart(7, '0')}`,
      attributes: {},
      createdAt: now,
      updatedAt: now,
    }));
    await store.contacts.collection.insertMany(contacts, { ordered: false });
    const conversations = contacts.map((contact, i) => {
      const key = openThreadKey(String(channelId), String(contact._id));
      const _id = new Types.ObjectId();
      conversationIds.push(_id);
      // createdAt a millisecond apart, oldest first, as a backlog would be.
      const at = new Date(now.getTime() - (CONVERSATIONS - start - i));
      return {
        _id,
        workspaceId,
        channelId,
        contactId: contact._id,
        status: 'queued',
        openThread: key,
        threadKey: key,
        queueId: queue._id,
        lastInboundAt: at,
        lastCustomerMessageAt: at,
        lastMessageAt: at,
        statusChangedAt: at,
        transfers: [],
        archived: false,
        lifecycleVersion: 0,
        createdAt: at,
        updatedAt: at,
      };
    });
    await store.conversations.collection.insertMany(conversations, { ordered: false });
  }
  return { workspaceId, queueId: queue._id, conversationIds, seconds: secondsSince(began) };
}

/** Routes every conversation once, `CONCURRENCY` calls in flight, timing each call. */
async function assignAll(workspaceId: Types.ObjectId, conversationIds: Types.ObjectId[]) {
  const latencies: number[] = [];
  let next = 0;
  let assigned = 0;
  let leftQueued = 0;
  let errors = 0;
  const firstErrors: string[] = [];
  const began = performance.now();
  const deadline = SECONDS > 0 ? began + SECONDS * 1000 : Infinity;
  const workerLoop = async () => {
    while (next < conversationIds.length && performance.now() < deadline) {
      const id = conversationIds[next++]!;
      const started = performance.now();
      try {
        const after = await ctx.router.route(workspaceId, id);
        latencies.push(performance.now() - started);
        if (after?.status === 'active' && after.assigneeId) assigned++;
        else leftQueued++;
      } catch (err) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, workerLoop));
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: next,
    assigned,
    leftQueued,
    errors,
    ...(firstErrors.length > 0 && { firstErrors }),
    seconds: Number(elapsed.toFixed(2)),
    assignmentsPerSecond: Number((assigned / elapsed).toFixed(1)),
    p50Ms: percentile(latencies, 0.5),
    p90Ms: percentile(latencies, 0.9),
    p99Ms: percentile(latencies, 0.99),
    maxMs: Number((latencies.at(-1) ?? NaN).toFixed(2)),
    stoppedBySeconds: next < conversationIds.length,
  };
}

/** What the store says afterwards: each routed conversation assigned once, nobody over capacity. */
async function verify(workspaceId: Types.ObjectId, routed: Types.ObjectId[]) {
  const active = await store.conversations.countDocuments({ workspaceId, _id: { $in: routed }, status: 'active', assigneeId: { $exists: true } });
  const notActive = await store.conversations.countDocuments({ workspaceId, _id: { $in: routed }, status: { $ne: 'active' } });
  // Exactly one status change each: queued → active at version 0, nothing after.
  const versions = await store.conversations.aggregate<{ _id: number; n: number }>([
    { $match: { workspaceId, _id: { $in: routed } } },
    { $group: { _id: '$lifecycleVersion', n: { $sum: 1 } } },
  ]);
  const transitions = await store.conversationTransitions.countDocuments({ workspaceId });
  const slots = await store.agentSlots.find({ workspaceId }, { conversationId: 1, agentId: 1 }).lean();
  const slotConversations = new Set(slots.map((s) => String(s.conversationId)));
  const perAgentSlots = new Map<string, number>();
  for (const s of slots) perAgentSlots.set(String(s.agentId), (perAgentSlots.get(String(s.agentId)) ?? 0) + 1);
  const perAgentConversations = await store.conversations.aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: { workspaceId, status: 'active' } },
    { $group: { _id: '$assigneeId', n: { $sum: 1 } } },
  ]);
  const loads = perAgentConversations.map((a) => a.n);
  const agentsOverCapacity =
    perAgentConversations.filter((a) => a.n > CAPACITY).length + [...perAgentSlots.values()].filter((n) => n > CAPACITY).length;
  const everyConversationAssignedOnce =
    active === routed.length && notActive === 0 && transitions === routed.length && versions.length === 1 && versions[0]?._id === 1 && slots.length === routed.length && slotConversations.size === routed.length;
  return {
    everyConversationAssignedOnce,
    noAgentOverCapacity: agentsOverCapacity === 0,
    activeAssigned: active,
    notActive,
    lifecycleVersions: Object.fromEntries(versions.map((v) => [v._id, v.n])),
    transitions,
    slots: slots.length,
    slotsWithDistinctConversation: slotConversations.size,
    agentsOverCapacity,
    agentsUsed: perAgentConversations.length,
    loadPerAgent: { min: loads.length ? Math.min(...loads) : 0, max: loads.length ? Math.max(...loads) : 0 },
  };
}

async function cleanUp(): Promise<void> {
  await Promise.all(Object.values(ctx.queues).map((q) => q.obliterate({ force: true }).catch(() => undefined)));
  // The routing load hints (`<prefix>:agent-load`) are not a queue's.
  await removeKeys(ctx.redis, config.QUEUE_PREFIX);
  await store.connection.dropDatabase();
  await closeContext(ctx);
}

let output: unknown;
try {
  const seeded = await seed();
  console.error(`seeded ${CONVERSATIONS} conversations, ${AGENTS} agents in ${seeded.seconds} s; routing...`);
  const countsBefore = COUNT ? commandCounts() : undefined;
  const run = await assignAll(seeded.workspaceId, seeded.conversationIds);
  const perCall = countsBefore && perOperation(countsBetween(countsBefore, commandCounts()), run.calls, 'routing calls');
  const checks = await verify(seeded.workspaceId, seeded.conversationIds.slice(0, run.calls));
  output = {
    conversations: CONVERSATIONS,
    agents: AGENTS,
    capacity: CAPACITY,
    concurrency: CONCURRENCY,
    strategy: STRATEGY,
    seedSeconds: seeded.seconds,
    routing: run,
    ...(perCall && { perCall }),
    checks,
  };
} finally {
  await cleanUp();
}
console.log(JSON.stringify(output, null, 2));
