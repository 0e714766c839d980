import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { recoverPendingWork } from '../src/jobs/recovery.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(() => h.close());

describe('recovery after a crash between a write and its queue add', () => {
  it('re-queues a recorded webhook that never got its job, and processes it once', async () => {
    // As if the process died right after recording the event: the row exists, the job does not.
    const body = Buffer.from(JSON.stringify(textMessage(wa.phoneNumberId, { id: 'wamid.ORPHAN', from: '15556660001', timestamp: unix(h.clock.now()), text: 'lost?' })));
    await h.ctx.store.rawEvents.create({
      _id: `${wa.channelId}-orphan`,
      workspaceId: new Types.ObjectId(wa.workspaceId),
      channelId: new Types.ObjectId(wa.channelId),
      connector: 'whatsapp-cloud',
      contentType: 'application/json',
      body,
      state: 'received',
      receivedAt: new Date(h.clock.now().getTime() - 5 * 60_000),
    });
    const first = await recoverPendingWork(h.ctx);
    expect(first.rawEvents).toBe(1);
    await eventually(async () => (await h.ctx.store.rawEvents.findById(`${wa.channelId}-orphan`).lean())?.state === 'processed');
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'wamid.ORPHAN' })).toBe(1);

    // A second sweep finds nothing left to do.
    expect((await recoverPendingWork(h.ctx)).rawEvents).toBe(0);
  });

  it('re-schedules domain events that were written but never fanned out', async () => {
    await h.ctx.store.events.create({
      _id: 'message_received-orphan',
      workspaceId: new Types.ObjectId(wa.workspaceId),
      type: 'message.received',
      data: {},
      occurredAt: new Date(h.clock.now().getTime() - 5 * 60_000),
      state: 'pending',
    });
    expect((await recoverPendingWork(h.ctx)).events).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await h.ctx.store.events.findById('message_received-orphan').lean())?.state === 'dispatched');
  });

  it('re-queues a pending webhook delivery whose job was lost', async () => {
    const subscriptionId = new Types.ObjectId();
    await h.ctx.store.connection.db!.collection('webhook_deliveries').insertOne({
      _id: 'orphan-delivery' as never,
      workspaceId: new Types.ObjectId(wa.workspaceId),
      subscriptionId,
      eventId: 'message_received-orphan',
      state: 'pending',
      attempts: [],
      createdAt: new Date(h.clock.now().getTime() - 5 * 60_000),
      updatedAt: new Date(h.clock.now().getTime() - 5 * 60_000),
    });
    expect((await recoverPendingWork(h.ctx)).deliveries).toBe(1);
    // Its subscription does not exist: the re-run attempt ends the delivery, which shows it ran.
    await eventually(async () => (await h.ctx.store.webhookDeliveries.findById('orphan-delivery').lean())?.state === 'failed');
  });
});
