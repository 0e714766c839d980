import { Worker, type Job } from 'bullmq';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reactToEvents } from '../src/app/reactions.js';
import type { InboundJobData } from '../src/ingest/inbound-job.js';
import { connectForWorkers } from '../src/redis/connections.js';
import { dispatchEvents, type DeliverJobData, type DispatchJobData } from '../src/webhooks/dispatcher.js';
import { newPhoneNumber, postWhatsAppWebhook } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { HelpdeskStub } from './support/helpdesk-stub.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let stub: HelpdeskStub;
const workers = new Map<string, Worker>();

beforeAll(async () => {
  // No running workers: the test takes each job itself, to delete the conversation while one is in flight.
  h = await startHarness({ workers: false });
  stub = await HelpdeskStub.start();
});
afterAll(async () => {
  await Promise.all([...workers.values()].map((w) => w.close()));
  await stub.stop();
  await h.close();
});

/** Takes the next job of a queue as a worker would; the caller runs it. */
async function takeJob<T>(queue: keyof Harness['ctx']['queues']): Promise<{ job: Job<T>; token: string }> {
  if (!workers.has(queue)) workers.set(queue, new Worker(h.ctx.queues[queue].name, null, { connection: connectForWorkers(h.ctx.config.REDIS_URL), prefix: h.ctx.queues[queue].opts.prefix }));
  const worker = workers.get(queue)!;
  const token = `test-${queue}`;
  const job = await eventually(() => worker.getNextJob(token));
  return { job: job as Job<T>, token };
}

/** What the events worker does with a job (src/app/workers.ts). */
async function runEventsJob(data: DispatchJobData): Promise<void> {
  const { ctx } = h;
  const dispatched = await dispatchEvents({ store: ctx.store, clock: ctx.clock, queues: ctx.queues, redis: ctx.redis, keyPrefix: ctx.config.QUEUE_PREFIX, subscriptions: ctx.subscriptions }, data);
  await reactToEvents(ctx, dispatched);
}

/** Runs every events job waiting (an earlier test's `conversation.deleted` among them). */
async function runWaitingEventsJobs(): Promise<void> {
  while ((await h.ctx.queues.events.getWaitingCount()) > 0) {
    const { job, token } = await takeJob<DispatchJobData>('events');
    await runEventsJob(job.data);
    await job.moveToCompleted(undefined, token, false);
  }
}

/** A customer's message, stored by its inbound job; its events job is queued, not run. Resolves to the conversation. */
async function storedMessage(ws: WhatsAppFixture, id: string): Promise<Types.ObjectId> {
  await runWaitingEventsJobs();
  await postWhatsAppWebhook(h, ws, textMessage(ws.phoneNumberId, { id, from: newPhoneNumber(), timestamp: unix(h.clock.now()), text: `the words of ${id}` }));
  const { job } = await takeJob<InboundJobData>('inbound');
  await h.ctx.inbound.process(job.data);
  const message = (await h.ctx.store.messages.findOne({ providerMessageId: id }).lean())!;
  return message.conversationId;
}

async function subscribed(): Promise<WhatsAppFixture> {
  const ws = await createWhatsAppWorkspace(h);
  const res = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: stub.url(), events: ['message.received'] } });
  expect(res.status).toBe(201);
  stub.secrets = [res.body.secret];
  return ws;
}

/** Delivery jobs still to run (a job the test took itself is active, not counted). */
const queuedDeliveries = async () => {
  const counts = await h.ctx.queues.webhooks.getJobCounts('waiting', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + b, 0);
};

describe('deleting a conversation while its work is in flight', () => {
  it('an events job of the conversation that runs after the deletion writes no delivery, queues none and sends nothing', async () => {
    const ws = await subscribed();
    const conversationId = await storedMessage(ws, 'wamid.DEL-EVENTS');
    const { job } = await takeJob<DispatchJobData>('events');
    expect(job.data.events?.some((e) => e.type === 'message.received')).toBe(true);

    expect((await h.api('DELETE', `/v1/conversations/${String(conversationId)}`, { key: ws.key })).status).toBe(200);
    await runEventsJob(job.data);

    expect(await h.ctx.store.webhookDeliveries.countDocuments({ conversationId })).toBe(0);
    expect(await queuedDeliveries()).toBe(0);
    expect((await h.ctx.store.events.find({ conversationId }).lean()).map((e) => e.type)).toEqual(['conversation.deleted']);
    expect(stub.requests).toEqual([]);
  });

  it('a delivery whose attempt is under way when the conversation is deleted re-creates nothing and queues no next attempt holding the event', async () => {
    const ws = await subscribed();
    const conversationId = await storedMessage(ws, 'wamid.DEL-DELIVERY');
    await runWaitingEventsJobs();
    const { job, token } = await takeJob<DeliverJobData>('webhooks');
    stub.answer = () => 'hang';
    const attempt = h.ctx.webhookDeliverer.deliver(job, token);
    await eventually(async () => stub.requests.length === 1);

    expect((await h.api('DELETE', `/v1/conversations/${String(conversationId)}`, { key: ws.key })).status).toBe(200);
    // The helpdesk fails the request that was under way: a retry would be due.
    stub.releaseHung(503);
    await attempt;

    expect(await h.ctx.store.webhookDeliveries.countDocuments({ conversationId })).toBe(0);
    expect(await queuedDeliveries()).toBe(0);
    expect(stub.requests).toHaveLength(1);
  });
});
