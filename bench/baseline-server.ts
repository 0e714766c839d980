/**
 * The bare baseline of bench:ingest: plain node:http and the signature check (bench/bare-server.ts),
 * one insert into the same store and one BullMQ add. What the gateway's webhook path is measured against.
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { serveSignedWebhooks } from './bare-server.js';

const { MONGODB_URI, REDIS_URL, APP_SECRET, PORT = '0', QUEUE_PREFIX = 'bench-baseline' } = process.env;
if (!MONGODB_URI || !REDIS_URL || !APP_SECRET) throw new Error('MONGODB_URI, REDIS_URL and APP_SECRET are required');

const connection = await mongoose.createConnection(MONGODB_URI).asPromise();
const collection = connection.db!.collection('baseline_raw_events');
const queue = new Queue('baseline', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: QUEUE_PREFIX });

serveSignedWebhooks(APP_SECRET, Number(PORT), async (body, res) => {
  try {
    const id = createHash('sha256').update(body).digest('hex');
    await collection.insertOne({ _id: id as never, body, receivedAt: new Date() });
    await queue.add('raw', { id }, { jobId: id, removeOnComplete: true });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
  } catch {
    res.writeHead(503).end();
  }
});
