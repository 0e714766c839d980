import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverPendingWork } from '../src/app/recovery.js';
import { carriedEvent, deliveryJobId, dispatchEvents } from '../src/webhooks/dispatcher.js';
import { newPhoneNumber, postWhatsAppWebhook } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { HelpdeskStub, type HelpdeskRequest } from './support/helpdesk-stub.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
const stubs: HelpdeskStub[] = [];

beforeAll(async () => {
  // Failing endpoints are probed every second here instead of every minute.
  h = await startHarness({ config: { WEBHOOK_PROBE_SECONDS: '1' } });
  // What a worker process does at start: the sweeps and the probe are scheduled.
  await recoverPendingWork(h.ctx);
});
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.stop().catch(() => undefined)));
  await h.close();
});

async function subscribedHelpdesk(ws: WhatsAppFixture): Promise<{ stub: HelpdeskStub; subscriptionId: string }> {
  const stub = await HelpdeskStub.start();
  stubs.push(stub);
  const res = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: stub.url(), events: ['message.received'] } });
  expect(res.status).toBe(201);
  stub.secrets = [res.body.secret];
  return { stub, subscriptionId: res.body.id };
}

/** An inbound message, waited for until its event is fanned out; the clock then moves on a second. */
async function inbound(ws: WhatsAppFixture, id: string, from: string): Promise<void> {
  await postWhatsAppWebhook(h, ws, textMessage(ws.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: `text of ${id}` }));
  await eventually(() => h.ctx.store.events.findOne({ type: 'message.received', 'data.message.providerMessageId': id, state: 'dispatched' }).lean());
  h.clock.advance(1000);
}

const providerIdOf = (r: HelpdeskRequest) => r.event.data?.message?.providerMessageId as string | undefined;
const acceptedIds = (stub: HelpdeskStub) => [...new Set(stub.accepted.map(providerIdOf))];

describe('per-conversation order across faults', () => {
  it('an earlier event of the conversation not dispatched yet holds a later delivery; the line goes on, in order, once it is', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const { stub, subscriptionId } = await subscribedHelpdesk(ws);
    const from = newPhoneNumber();
    await inbound(ws, 'wamid.ORDER-1', from);
    await eventually(async () => acceptedIds(stub).length === 1);
    const first = (await h.ctx.store.events.findOne({ workspaceId: new Types.ObjectId(ws.workspaceId), type: 'message.received' }).lean())!;

    // An earlier event of the conversation, written but not fanned out: its job still on its way
    // through the events queue, or lost in a crash between the write and the queue add.
    const message = { ...(first.data.message as object), id: String(new Types.ObjectId()), providerMessageId: 'wamid.ORDER-2' };
    const earlier = await h.ctx.store.events.create({
      _id: `message_received-${message.id}`,
      workspaceId: first.workspaceId,
      type: 'message.received',
      conversationId: first.conversationId,
      data: { ...first.data, message },
      occurredAt: h.clock.now(),
      state: 'pending',
    });
    h.clock.advance(1000);
    await inbound(ws, 'wamid.ORDER-3', from);
    const later = (await h.ctx.store.messages.findOne({ providerMessageId: 'wamid.ORDER-3' }).lean())!;
    // Its delivery looked at its line and waits (parked), unsent.
    await eventually(async () => (await h.ctx.queues.webhooks.getJobState(deliveryJobId(`message_received-${String(later._id)}--${subscriptionId}`, 0))) === 'delayed');
    expect(acceptedIds(stub)).toEqual(['wamid.ORDER-1']);

    // The earlier event's job comes.
    await h.ctx.outbox.schedule([{ eventIds: [earlier._id] }]);
    await eventually(async () => acceptedIds(stub).length === 3);
    expect(acceptedIds(stub)).toEqual(['wamid.ORDER-1', 'wamid.ORDER-2', 'wamid.ORDER-3']);
  });
});

describe('a fan-out run again (its job thought stalled after a crash)', () => {
  it('leaves the deliveries it wrote before as they are: no write that could undo an attempt recorded meanwhile', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const { stub, subscriptionId } = await subscribedHelpdesk(ws);
    await inbound(ws, 'wamid.RERUN-1', newPhoneNumber());
    const delivered = await eventually(() => h.ctx.store.webhookDeliveries.findOne({ subscriptionId, state: 'delivered' }).lean());
    const events = await h.ctx.store.events.find({ conversationId: (await h.ctx.store.events.findById(delivered.eventId).lean())!.conversationId }).lean();

    h.clock.advance(60_000);
    const { ctx } = h;
    await dispatchEvents(
      { store: ctx.store, clock: ctx.clock, queues: ctx.queues, redis: ctx.redis, keyPrefix: ctx.config.QUEUE_PREFIX, subscriptions: ctx.subscriptions },
      { eventIds: events.map((e) => e._id), events: events.map(carriedEvent) },
    );
    const after = (await h.ctx.store.webhookDeliveries.findById(delivered._id).lean())!;
    expect(after.updatedAt).toEqual(delivered.updatedAt);
    expect(after.state).toBe('delivered');
    expect(acceptedIds(stub)).toEqual(['wamid.RERUN-1']);
  });
});

describe('a helpdesk that answers again', () => {
  it('gets its backlog within the probe interval, although every line waits for a retry minutes away; probes use up no retries', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const { stub, subscriptionId } = await subscribedHelpdesk(ws);
    stub.answer = () => ({ status: 503 });
    const contacts = [newPhoneNumber(), newPhoneNumber()];
    const sent: Record<string, string[]> = {};
    for (let m = 0; m < 2; m++) {
      for (const from of contacts) {
        const id = `wamid.PROBE-${from}-${m}`;
        (sent[from] ??= []).push(id);
        await inbound(ws, id, from);
      }
    }
    const deliveries = () => h.ctx.store.webhookDeliveries.find({ subscriptionId }).sort({ orderKey: 1 }).lean();
    const failedOnce = await eventually(async () => {
      const tried = (await deliveries()).filter((d) => (d.attempts ?? []).length > 0);
      return tried.length === contacts.length ? tried : null;
    });
    // The second attempts are due (5 s ±20%) by this clock: no probe brings them forward.
    h.clock.set(new Date(Math.max(...failedOnce.map((d) => d.nextAttemptAt!.getTime()))));
    // Each line's head has failed twice (at once, then 5 s later): its next attempt is 5 minutes (±20%) away.
    const heads = await eventually(async () => {
      const waiting = (await deliveries()).filter((d) => (d.attempts ?? []).length === 2);
      return waiting.length === contacts.length && waiting.every((d) => d.nextAttemptAt!.getTime() - h.clock.now().getTime() > 60_000) ? waiting : null;
    });

    stub.answer = () => ({ status: 200 });
    // No new conversation, nothing brought forward by the test: the probe finds the endpoint answering.
    await eventually(async () => acceptedIds(stub).length === 4);
    for (const [from, ids] of Object.entries(sent)) expect(acceptedIds(stub).filter((id) => id?.includes(from))).toEqual(ids);
    await eventually(async () => (await deliveries()).every((d) => d.state === 'delivered'));
    // The failed probes left no trace on the heads: two failures on schedule, then the success.
    for (const head of heads) {
      const now = (await h.ctx.store.webhookDeliveries.findById(head._id).lean())!;
      expect(now.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'delivered']);
    }
  });
});
