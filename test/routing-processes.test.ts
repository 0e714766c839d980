import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppWorkspace, startHarness, type Harness } from './support/harness.js';

/**
 * Assignment claims from real, separate OS processes (test/support/claim-process.ts), each with
 * its own AppContext, connections and clock, on the database and queue prefix of this file's
 * harness: the unique slot and lifecycle claims must hold across processes, not only across the
 * contexts of one process.
 */
const PROCESSES = 3;

let h: Harness;
let workspaceId: Types.ObjectId;
let channelId: Types.ObjectId;
beforeAll(async () => {
  h = await startHarness({ workers: false });
  const wa = await createWhatsAppWorkspace(h);
  workspaceId = new Types.ObjectId(wa.workspaceId);
  channelId = new Types.ObjectId(wa.channelId);
});
afterAll(async () => {
  await h.close();
});

interface Outcome {
  won: number;
  refused: string[];
}

/** Starts one process per share, lets them all go at once, and collects their outcomes. */
async function runProcesses(mode: 'assign' | 'route', shares: [string, string?][][]): Promise<Outcome[]> {
  const { config } = h.ctx;
  const settings = {
    NODE_ENV: 'test',
    MONGODB_URI: config.MONGODB_URI,
    REDIS_URL: config.REDIS_URL,
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    OMNIGATE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    OMNIGATE_ADMIN_TOKEN: config.OMNIGATE_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
  };
  const children = shares.map((attempts) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/claim-process.ts'], {
      env: { ...process.env, CLAIM_CONFIG: JSON.stringify(settings), CLAIM_WORK: JSON.stringify({ workspaceId: String(workspaceId), mode, attempts }) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const next = () => new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`claim process exited with ${code}`)));
    });
    return { child, next };
  });
  const ready = await Promise.all(children.map((c) => c.next()));
  expect(ready).toEqual(shares.map(() => 'ready'));
  const outcomes = children.map((c) => c.next());
  for (const { child } of children) child.stdin.write('go\n');
  const results = (await Promise.all(outcomes)).map((line) => JSON.parse(line) as Outcome);
  await Promise.all(children.map(({ child }) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))));
  return results;
}

async function agents(n: number): Promise<string[]> {
  const docs = await h.ctx.store.agents.insertMany(
    Array.from({ length: n }, (_, i) => ({ workspaceId, name: `A${i}`, email: `p${i}-${new Types.ObjectId().toHexString()}@x.test`, status: 'available', capacity: 3 })),
  );
  return docs.map((d) => String(d._id));
}

async function queued(n: number, queueId?: Types.ObjectId): Promise<string[]> {
  const docs = await h.ctx.store.conversations.insertMany(
    Array.from({ length: n }, () => ({ workspaceId, channelId, contactId: new Types.ObjectId(), status: 'queued', statusChangedAt: h.clock.now(), ...(queueId && { queueId }) })),
  );
  return docs.map((d) => String(d._id));
}

/** The invariants, read from the store: nobody over capacity, no conversation assigned twice. */
async function invariants(agentIds: string[], conversationIds: string[]): Promise<number> {
  const active = await h.ctx.store.conversations.find({ _id: { $in: conversationIds }, status: 'active' }).lean();
  for (const agentId of agentIds) {
    const held = active.filter((c) => String(c.assigneeId) === agentId).length;
    expect(held).toBeLessThanOrEqual(3);
    expect(await h.ctx.store.agentSlots.countDocuments({ agentId })).toBe(held);
  }
  // Each assigned conversation holds a slot of its own agent, no slot twice, one queued → active step each.
  expect(new Set(active.map((c) => c.assignedSlot)).size).toBe(active.length);
  for (const c of active) expect(c.assignedSlot?.startsWith(`${String(c.assigneeId)}:`)).toBe(true);
  const steps = await h.ctx.store.conversationTransitions.countDocuments({ conversationId: { $in: conversationIds.map((id) => new Types.ObjectId(id)) }, to: 'active' });
  expect(steps).toBe(active.length);
  return active.length;
}

const split = <T>(items: T[]): T[][] => Array.from({ length: PROCESSES }, (_, p) => items.filter((_, i) => i % PROCESSES === p));

describe(`assignment claims from ${PROCESSES} OS processes`, () => {
  it('200 parallel claims over 10 agents of capacity 3: exactly 30 assigned, none twice, none over capacity', async () => {
    const agentIds = await agents(10);
    const conversationIds = await queued(200);
    const outcomes = await runProcesses('assign', split(conversationIds.map((id, i) => [id, agentIds[i % 10]])));
    expect(outcomes.reduce((n, o) => n + o.won, 0)).toBe(30);
    expect(new Set(outcomes.flatMap((o) => o.refused))).toEqual(new Set(['agent_at_capacity']));
    expect(await invariants(agentIds, conversationIds)).toBe(30);
  }, 120_000);

  it('200 parallel claims racing for 20 conversations assign none twice', async () => {
    const agentIds = await agents(10);
    const conversationIds = await queued(20);
    const attempts = Array.from({ length: 200 }, (_, i): [string, string?] => [conversationIds[i % 20]!, agentIds[Math.floor(i / 20)]]);
    const outcomes = await runProcesses('assign', split(attempts));
    for (const code of outcomes.flatMap((o) => o.refused)) expect(['already_assigned', 'agent_at_capacity', 'invalid_transition']).toContain(code);
    const assigned = await invariants(agentIds, conversationIds);
    expect(outcomes.reduce((n, o) => n + o.won, 0)).toBe(assigned);
    expect(assigned).toBeGreaterThan(0);
  }, 120_000);

  it('routing the same 50 queued conversations from every process fills the 30 slots exactly', async () => {
    const agentIds = await agents(10);
    const queue = await h.ctx.store.routingQueues.create({ workspaceId, name: 'processes', strategy: 'least_busy', agentIds });
    const conversationIds = await queued(50, queue._id);
    // Every process routes every conversation: the same conversation is offered from three places at once.
    const outcomes = await runProcesses('route', Array.from({ length: PROCESSES }, () => conversationIds.map((id): [string] => [id])));
    expect(outcomes.flatMap((o) => o.refused)).toEqual([]);
    expect(await invariants(agentIds, conversationIds)).toBe(30);
  }, 120_000);
});
