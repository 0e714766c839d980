import { DelayedError, Worker, type Job } from 'bullmq';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectForWorkers } from '../src/redis/connections.js';
import { enqueueDelivery, type DeliverJobData, type KnownDelivery } from '../src/webhooks/dispatcher.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let worker: Worker<DeliverJobData>;

beforeAll(async () => {
  // No running workers: the test takes the job itself, to play one interleaving exactly.
  h = await startHarness({ workers: false });
  worker = new Worker<DeliverJobData>(h.ctx.queues.webhooks.name, null, { connection: connectForWorkers(h.ctx.config.REDIS_URL), prefix: h.ctx.queues.webhooks.opts.prefix });
});
afterAll(async () => {
  await worker.close();
  await h.close();
});

describe('the line of one conversation to one subscription', () => {
  it('the next delivery starts as soon as the one before it ends, even when that end falls between its look at the line and its wait', async () => {
    const workspaceId = new Types.ObjectId();
    const subscriptionId = new Types.ObjectId();
    const conversationId = new Types.ObjectId();
    const line = { workspaceId, subscriptionId, conversationId, eventType: 'message.received', round: 0, attempts: [], state: 'pending' as const };
    await h.ctx.store.webhookDeliveries.create([
      { _id: 'head', ...line, eventId: 'e1', orderKey: '0000000000001-000000000001' },
      { _id: 'next', ...line, eventId: 'e2', orderKey: '0000000000002-000000000002' },
    ]);
    const known: KnownDelivery = {
      workspaceId: String(workspaceId),
      subscriptionId: String(subscriptionId),
      conversationId: String(conversationId),
      orderKey: '0000000000002-000000000002',
      event: { type: 'message.received', occurredAt: new Date().toISOString(), data: {} },
    };
    await enqueueDelivery(h.ctx.queues, 'next', 0, 0, known);
    const token = 'test-token';
    const job = (await worker.getNextJob(token)) as Job<DeliverJobData>;
    expect(job.data.deliveryId).toBe('next');

    // The head ends right after `next` saw it pending and before `next` is parked: its wakeNext finds `next` still running.
    const park = job.moveToDelayed.bind(job);
    vi.spyOn(job, 'moveToDelayed').mockImplementationOnce(async (timestamp, t) => {
      await h.ctx.store.webhookDeliveries.updateOne({ _id: 'head' }, { $set: { state: 'delivered' } });
      await h.ctx.webhookDeliverer.wakeNext({ subscriptionId, conversationId, orderKey: '0000000000001-000000000001' });
      return park(timestamp, t);
    });
    await expect(h.ctx.webhookDeliverer.deliver(job, token)).rejects.toBeInstanceOf(DelayedError);

    // Not parked behind a head that is gone: ready to run now.
    expect(await job.getState()).toBe('waiting');
  });

  it('a delivery whose job carries an earlier order key than its record (two fan-outs wrote it at once) is still attempted', async () => {
    const workspaceId = new Types.ObjectId();
    const subscriptionId = new Types.ObjectId();
    const conversationId = new Types.ObjectId();
    // The record as the fan-out that won the insert wrote it; the job as the other one queued it first.
    await h.ctx.store.webhookDeliveries.create({
      _id: 'written-twice',
      workspaceId,
      subscriptionId,
      conversationId,
      eventId: 'e3',
      eventType: 'message.received',
      orderKey: '0000000000003-000000000009',
      round: 0,
      attempts: [],
      state: 'pending',
    });
    const known: KnownDelivery = {
      workspaceId: String(workspaceId),
      subscriptionId: String(subscriptionId),
      conversationId: String(conversationId),
      orderKey: '0000000000003-000000000007',
      event: { type: 'message.received', occurredAt: new Date(3).toISOString(), data: {} },
    };
    await h.ctx.queues.webhooks.drain(true); // the job the test before left waiting
    await enqueueDelivery(h.ctx.queues, 'written-twice', 0, 0, known);
    const token = 'test-token-2';
    const job = (await worker.getNextJob(token)) as Job<DeliverJobData>;
    expect(job.data.deliveryId).toBe('written-twice');
    await h.ctx.webhookDeliverer.deliver(job, token);

    // Attempted: its subscription does not exist here, so the attempt ends it as failed (not left pending, its job done).
    expect((await h.ctx.store.webhookDeliveries.findById('written-twice').lean())?.state).toBe('failed');
  });
});
