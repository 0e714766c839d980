import { Worker, type Job } from 'bullmq';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requeueStaleWork } from '../src/app/recovery.js';
import { connectForWorkers } from '../src/redis/connections.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let worker: Worker;

beforeAll(async () => {
  // No running workers: the test fails a job itself, as one that ran out of attempts while the store was away.
  h = await startHarness({ workers: false });
  worker = new Worker(h.ctx.queues.inbound.name, null, { connection: connectForWorkers(h.ctx.config.REDIS_URL), prefix: h.ctx.queues.inbound.opts.prefix });
});
afterAll(async () => {
  await worker.close();
  await h.close();
});

describe('the recovery sweep and finished jobs of undone work', () => {
  it.each([
    // It failed for good while the store was away (marking the raw event failed failed too).
    ['failed', (job: Job) => job.moveToFailed(new Error('store unreachable'), 'token')],
    // It completed without doing its work: stalled by a crash, then finished by a run that found nothing to do yet.
    ['completed', (job: Job) => job.moveToCompleted(undefined, 'token', false)],
  ] as const)('runs again the %s job of work still undone, whose id a re-add would find taken', async (state, finish) => {
    const rawEventId = `${String(new Types.ObjectId())}-stranded`;
    await h.ctx.store.rawEvents.create({
      _id: rawEventId,
      workspaceId: new Types.ObjectId(),
      channelId: new Types.ObjectId(),
      connector: 'whatsapp-cloud',
      contentType: 'application/json',
      body: Buffer.from('{}'),
      state: 'received',
      receivedAt: new Date(h.clock.now().getTime() - 5 * 60_000),
    });
    await h.ctx.queues.inbound.add('raw', { rawEventId }, { jobId: rawEventId, attempts: 1 });
    const job = await worker.getNextJob('token');
    expect(job?.id).toBe(rawEventId);
    await finish(job!);
    expect(await job!.getState()).toBe(state);

    expect((await requeueStaleWork(h.ctx)).rawEvents).toBe(1);
    // Waiting to run again, with its attempts counted afresh.
    const again = await h.ctx.queues.inbound.getJob(rawEventId);
    expect(await again?.getState()).toBe('waiting');
    expect(again?.attemptsMade).toBe(0);
    await again!.remove();
    await h.ctx.store.rawEvents.deleteOne({ _id: rawEventId });
  });
});
