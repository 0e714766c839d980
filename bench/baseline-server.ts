/**
 * The bare baseline of bench:ingest: plain node:http, the signature check, one insert into the
 * same store and one BullMQ add. What the gateway's webhook path is measured against.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';

const { MONGODB_URI, REDIS_URL, APP_SECRET, PORT = '0', QUEUE_PREFIX = 'bench-baseline' } = process.env;
if (!MONGODB_URI || !REDIS_URL || !APP_SECRET) throw new Error('MONGODB_URI, REDIS_URL and APP_SECRET are required');

const connection = await mongoose.createConnection(MONGODB_URI).asPromise();
const collection = connection.db!.collection('baseline_raw_events');
const queue = new Queue('baseline', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: QUEUE_PREFIX });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const expected = Buffer.from(`sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`);
    const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    try {
      const id = createHash('sha256').update(body).digest('hex');
      await collection.insertOne({ _id: id as never, body, receivedAt: new Date() });
      await queue.add('raw', { id }, { jobId: id, removeOnComplete: true });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    } catch {
      res.writeHead(503).end();
    }
  });
});
server.listen(Number(PORT), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
