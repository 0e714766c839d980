/**
 * bench:growth — whether the cost of a message grows with the data already stored. Two gateway
 * processes (API + workers), each with its own database, workspace, WhatsApp Cloud channel and a
 * helpdesk stub subscribed to `message.received`: one on an empty store, one on a store seeded
 * with `--messages` messages in `--conversations` resolved conversations (each with its contact
 * and identity) of the same channel. Each round sends `--burst` signed webhooks to each gateway in
 * turn (the order alternates), with 32 connections as fast as they are acknowledged, waits until
 * the stub has every `message.received` and then until the gateway's queues are idle, so no
 * backlog spills into the next measurement:
 *   - ingest rate: messages / seconds until the last acknowledgement (the gateway's workers run
 *     meanwhile, as in production: this is the acknowledgement rate of a busy gateway);
 *   - end-to-end rate: messages / seconds from the first post to the last receipt.
 * A burst must drain within `--drain` seconds, or the run fails: a rate over an unfinished drain
 * would mean nothing. Medians over the rounds, and the seeded store's rate as a share of the empty one's.
 *
 *   npm run bench:growth -- [--messages 200000] [--conversations 20000] [--burst 300] [--rounds 3] [--drain 300]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import mongoose, { Types } from 'mongoose';
import { startHelpdeskStub, subscribeStub, type HelpdeskStub } from './helpdesk-stub.js';
import { benchDb, dropBenchDb, postBurst, removeRun, startGateway, type Gateway, waitForIdleQueues } from './support.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    conversations: { type: 'string', default: '20000' },
    burst: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    drain: { type: 'string', default: '300' },
  },
});
const MESSAGES = Number(values.messages);
const CONVERSATIONS = Number(values.conversations);
const BURST = Number(values.burst);
const ROUNDS = Number(values.rounds);
const DRAIN_MS = Number(values.drain) * 1000;
const CONNECTIONS = 32;
const BATCH = 5_000;

interface Target {
  name: 'empty' | 'seeded';
  gateway: Gateway;
  stub: HelpdeskStub;
}

interface Drain {
  ingestPerSecond: number;
  e2ePerSecond: number;
  ackErrors: number;
}

/** The channel's workspace and id, as the seed needs them. */
async function channelOf(gateway: Gateway): Promise<{ workspaceId: Types.ObjectId; channelId: Types.ObjectId }> {
  const res = await fetch(`${gateway.base}/v1/workspace`, { headers: { authorization: `Bearer ${gateway.apiKey}` } });
  if (!res.ok) throw new Error(`workspace: ${res.status}`);
  const { id } = (await res.json()) as { id: string };
  return { workspaceId: new Types.ObjectId(id), channelId: new Types.ObjectId(gateway.webhookUrl.split('/').at(-1)) };
}

/**
 * History as the gateway would have written it: per conversation a contact, its identity (phone
 * numbers apart from the ones the drains use) and `--messages / --conversations` inbound texts,
 * the conversation resolved. Through the driver in batches: the gateway created the indexes.
 */
async function seed(gateway: Gateway): Promise<number> {
  const began = performance.now();
  const { workspaceId, channelId } = await channelOf(gateway);
  const connection = await mongoose.createConnection(benchDb('growth-seeded')).asPromise();
  const db = connection.db!;
  const perConversation = Math.max(1, Math.round(MESSAGES / CONVERSATIONS));
  const at = new Date(Date.now() - 30 * 24 * 3_600_000);
  for (let start = 0; start < CONVERSATIONS; start += BATCH / perConversation) {
    const size = Math.min(BATCH / perConversation, CONVERSATIONS - start);
    const contacts = [];
    const identities = [];
    const conversations = [];
    const messages = [];
    for (let i = start; i < start + size; i++) {
      const contactId = new Types.ObjectId();
      const conversationId = new Types.ObjectId();
      const phone = `1777${String(i).padStart(7, '0')}`;
      contacts.push({ _id: contactId, workspaceId, name: `Seeded ${i}`, phone, attributes: {}, createdAt: at, updatedAt: at });
      identities.push({ workspaceId, channelId, externalId: phone, contactId, phone, displayName: `Seeded ${i}`, createdAt: at, updatedAt: at });
      conversations.push({
        _id: conversationId,
        workspaceId,
        channelId,
        contactId,
        status: 'resolved',
        resolvedAt: at,
        threadKey: `${String(channelId)}:${String(contactId)}`,
        lastInboundAt: at,
        lastCustomerMessageAt: at,
        lastMessageAt: at,
        statusChangedAt: at,
        transfers: [],
        archived: false,
        lifecycleVersion: 1,
        unreadCount: 0,
        createdAt: at,
        updatedAt: at,
      });
      for (let m = 0; m < perConversation; m++) {
        const providerMessageId = `wamid.seeded.${i}.${m}`;
        messages.push({
          workspaceId,
          channelId,
          conversationId,
          contactId,
          direction: 'inbound',
          author: 'contact',
          type: 'text',
          content: { type: 'text', text: `Seeded message ${m} of conversation ${i}` },
          status: 'received',
          providerMessageId,
          providerKey: `${String(channelId)}:${providerMessageId}`,
          providerTimestamp: at,
          createdAt: at,
          updatedAt: at,
        });
      }
    }
    await db.collection('contacts').insertMany(contacts, { ordered: false });
    await db.collection('contact_identities').insertMany(identities, { ordered: false });
    await db.collection('conversations').insertMany(conversations, { ordered: false });
    await db.collection('messages').insertMany(messages, { ordered: false });
  }
  await connection.close();
  return Number(((performance.now() - began) / 1000).toFixed(1));
}

/** One burst at one gateway: posted with CONNECTIONS in flight, then drained to the stub. */
async function drain(target: Target, round: number): Promise<Drain> {
  const { gateway, stub } = target;
  const { ids, began, acked, ackErrors } = await postBurst({ url: gateway.webhookUrl, appSecret: gateway.appSecret, first: round * BURST, count: BURST, connections: CONNECTIONS });
  const deadline = Date.now() + DRAIN_MS;
  while (ids.some((id) => !stub.received.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const receipts = ids.flatMap((id) => stub.received.get(id) ?? []);
  if (receipts.length < ids.length) throw new Error(`${target.name}: ${ids.length - receipts.length} of ${ids.length} messages not received within ${DRAIN_MS / 1000} s`);
  const last = Math.max(...receipts);
  if (!(await waitForIdleQueues(gateway.queuePrefix, DRAIN_MS))) throw new Error(`${target.name}: the queues did not become idle`);
  return {
    ingestPerSecond: Math.round(BURST / ((acked - began) / 1000)),
    e2ePerSecond: Math.round(receipts.length / ((last - began) / 1000)),
    ackErrors,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

const targets: Target[] = [];
try {
  for (const name of ['empty', 'seeded'] as const) {
    const stub = await startHelpdeskStub();
    const gateway = await startGateway({ name: `growth-${name}`, role: 'all', env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    targets.push({ name, gateway, stub });
    await subscribeStub(gateway, stub);
  }
  const seedSeconds = await seed(targets[1]!.gateway);
  const before = uptime();
  const results: Record<Target['name'], Drain[]> = { empty: [], seeded: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) results[target.name].push(await drain(target, round));
  }
  const summary = (name: Target['name']) => ({
    ingestPerSecond: median(results[name].map((d) => d.ingestPerSecond)),
    e2ePerSecond: median(results[name].map((d) => d.e2ePerSecond)),
    rounds: results[name],
  });
  const empty = summary('empty');
  const seeded = summary('seeded');
  console.log(
    JSON.stringify(
      {
        uptimeBefore: before,
        uptimeAfter: uptime(),
        seed: { messages: MESSAGES, conversations: CONVERSATIONS, seconds: seedSeconds },
        burst: BURST,
        rounds: ROUNDS,
        empty,
        seeded,
        seededShareOfEmpty: { ingest: Number((seeded.ingestPerSecond / empty.ingestPerSecond).toFixed(2)), e2e: Number((seeded.e2ePerSecond / empty.e2ePerSecond).toFixed(2)) },
      },
      null,
      2,
    ),
  );
} finally {
  for (const { name, gateway, stub } of targets) {
    await gateway.stop();
    stub.close();
    await dropBenchDb(`growth-${name}`);
    await removeRun(gateway.queuePrefix);
  }
}
