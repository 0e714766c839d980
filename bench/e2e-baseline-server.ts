/**
 * The bare baseline of bench:e2e-compare: the least any correct gateway must do for an inbound
 * WhatsApp Cloud text on the same store, with nothing else (no workspaces, routing, automation,
 * real-time, retries of deliveries). Plain node:http and the MongoDB driver:
 *   - before the 200: the signature check, the raw event recorded (its _id is the body's hash, so
 *     the provider's retry of a recorded request is still a 200) and one BullMQ job per message;
 *   - in a BullMQ worker of this process (concurrency 8, as the gateway's inbound worker): the
 *     contact upserted by (channel, wa_id), the open conversation of the contact upserted, the
 *     message inserted (a duplicate provider key means it was processed: stop), one event
 *     inserted, and one Standard Webhooks signed `message.received` POSTed to the helpdesk.
 * That is 1 insert + 1 queue add per request and 4 store commands + 1 POST per message.
 * Prints `{"port": N}` once it can take requests.
 */
import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { isDuplicateKeyError } from '../src/errors.js';
import { signWebhook } from '../src/webhooks/signature.js';
import { serveSignedWebhooks } from './bare-server.js';

const { MONGODB_URI, REDIS_URL, APP_SECRET, HELPDESK_URL, HELPDESK_SECRET, PORT = '0', QUEUE_PREFIX = 'bench-e2e-baseline', QUEUE_NAME = 'e2e-baseline' } = process.env;
if (!MONGODB_URI || !REDIS_URL || !APP_SECRET || !HELPDESK_URL || !HELPDESK_SECRET) {
  throw new Error('MONGODB_URI, REDIS_URL, APP_SECRET, HELPDESK_URL and HELPDESK_SECRET are required');
}

/** One inbound message as the worker needs it: parsed once, at the acknowledgement. */
interface InboundMessage {
  /** The receiving phone number id: the channel. */
  channel: string;
  waId: string;
  name?: string;
  wamid: string;
  text: string;
  /** Provider time, epoch ms. */
  sentAt: number;
}

interface CloudWebhook {
  entry?: {
    changes?: {
      value?: {
        metadata?: { phone_number_id?: string };
        contacts?: { wa_id?: string; profile?: { name?: string } }[];
        messages?: { from?: string; id?: string; timestamp?: string; text?: { body?: string } }[];
      };
    }[];
  }[];
}

function messagesOf(payload: CloudWebhook): InboundMessage[] {
  return (payload.entry ?? []).flatMap((entry) =>
    (entry.changes ?? []).flatMap(({ value }) =>
      (value?.messages ?? []).flatMap((m) => {
        const channel = value?.metadata?.phone_number_id;
        if (!channel || !m.from || !m.id) return [];
        const name = value?.contacts?.find((c) => c.wa_id === m.from)?.profile?.name;
        return [{ channel, waId: m.from, ...(name !== undefined && { name }), wamid: m.id, text: m.text?.body ?? '', sentAt: Number(m.timestamp ?? 0) * 1000 }];
      }),
    ),
  );
}

type ObjectId = mongoose.mongo.ObjectId;

const connection = await mongoose.createConnection(MONGODB_URI).asPromise();
const db = connection.db!;
const rawEvents = db.collection<{ _id: string; body: Buffer; receivedAt: Date }>('raw_events');
const contacts = db.collection('contacts');
const conversations = db.collection('conversations');
const messages = db.collection('messages');
const events = db.collection('events');
// The unique indexes are what make retries and concurrent jobs safe; nothing else is indexed.
await contacts.createIndex({ channel: 1, waId: 1 }, { unique: true });
// Sparse, as the gateway's: a resolved conversation would drop its openThread. This one never resolves.
await conversations.createIndex({ openThread: 1 }, { unique: true, sparse: true });
await messages.createIndex({ providerKey: 1 }, { unique: true });

const queue = new Queue<InboundMessage>(QUEUE_NAME, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: QUEUE_PREFIX });

/**
 * An upsert retried on a duplicate key: FerretDB lets two concurrent upserts with the same filter
 * both try to insert, and the unique index turns the loser away; the retry then finds the winner.
 */
async function upsert(run: () => Promise<{ _id: ObjectId } | null>): Promise<ObjectId> {
  for (let attempt = 1; ; attempt++) {
    try {
      const doc = await run();
      if (!doc) throw new Error('an upsert returned no document');
      return doc._id;
    } catch (err) {
      if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
    }
  }
}

// The upserts return whole documents: FerretDB does not implement findAndModify's projection.
async function processMessage(m: InboundMessage): Promise<void> {
  const now = new Date();
  const contactId = await upsert(() =>
    contacts.findOneAndUpdate(
      { channel: m.channel, waId: m.waId },
      { $setOnInsert: { name: m.name ?? m.waId, createdAt: now } },
      { upsert: true, returnDocument: 'after' },
    ),
  );
  const conversationId = await upsert(() =>
    conversations.findOneAndUpdate(
      { openThread: `${m.channel}:${String(contactId)}` },
      { $setOnInsert: { channel: m.channel, contactId, status: 'open', createdAt: now }, $max: { lastMessageAt: new Date(m.sentAt) } },
      { upsert: true, returnDocument: 'after' },
    ),
  );
  let messageId: ObjectId;
  try {
    const inserted = await messages.insertOne({
      providerKey: `${m.channel}:${m.wamid}`,
      conversationId,
      contactId,
      direction: 'inbound',
      text: m.text,
      providerTimestamp: new Date(m.sentAt),
      createdAt: now,
    });
    messageId = inserted.insertedId;
  } catch (err) {
    // Recorded by an earlier run of this job (or of a retried request): the rest happened then.
    if (isDuplicateKeyError(err)) return;
    throw err;
  }
  const event = await events.insertOne({ type: 'message.received', messageId, conversationId, occurredAt: now });
  const eventId = String(event.insertedId);
  const body = JSON.stringify({ type: 'message.received', timestamp: now.toISOString(), data: { message: { providerMessageId: m.wamid } } });
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(HELPDESK_URL!, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ id: eventId, timestamp, body, secrets: [HELPDESK_SECRET!] }),
    },
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`helpdesk answered ${res.status}`);
}

const worker = new Worker<InboundMessage>(QUEUE_NAME, (job) => processMessage(job.data), {
  connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
  prefix: QUEUE_PREFIX,
  concurrency: 8,
});
worker.on('failed', (job, err) => console.error(`baseline job ${job?.id ?? '?'} failed: ${err.message}`));
await worker.waitUntilReady();

serveSignedWebhooks(APP_SECRET, Number(PORT), async (body, res) => {
  let parsed: InboundMessage[];
  try {
    parsed = messagesOf(JSON.parse(body.toString('utf8')) as CloudWebhook);
  } catch {
    res.writeHead(400).end();
    return;
  }
  try {
    const id = createHash('sha256').update(body).digest('hex');
    try {
      await rawEvents.insertOne({ _id: id, body, receivedAt: new Date() });
    } catch (err) {
      // Recorded already: the provider retried. Queue again all the same, in case the first
      // attempt failed after the insert; the job id and the message's unique key dedupe.
      if (!isDuplicateKeyError(err)) throw err;
    }
    await Promise.all(parsed.map((m, i) => queue.add('message', m, { jobId: `${id}-${i}`, removeOnComplete: true })));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
  } catch {
    res.writeHead(503).end();
  }
});
