import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { timerJobId } from '../src/conversations/conversation-timers.js';
import { recoverPendingWork, RECOVERY_SWEEP } from '../src/app/recovery.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(() => h.close());

/** A webhook recorded five minutes ago as `<channelId>-<name>` whose inbound job was never queued. */
async function recordedWithoutJob(name: string, payload: object): Promise<void> {
  await h.ctx.store.rawEvents.create({
    _id: `${wa.channelId}-${name}`,
    workspaceId: new Types.ObjectId(wa.workspaceId),
    channelId: new Types.ObjectId(wa.channelId),
    connector: 'whatsapp-cloud',
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(payload)),
    state: 'received',
    receivedAt: new Date(h.clock.now().getTime() - 5 * 60_000),
  });
}

describe('recovery after a crash between a write and its queue add', () => {
  it('re-queues a recorded webhook that never got its job, and processes it once', async () => {
    // As if the process died right after recording the event: the row exists, the job does not.
    await recordedWithoutJob('orphan', textMessage(wa.phoneNumberId, { id: 'wamid.ORPHAN', from: '15556660001', timestamp: unix(h.clock.now()), text: 'lost?' }));
    const first = await recoverPendingWork(h.ctx);
    expect(first.rawEvents).toBe(1);
    await eventually(async () => (await h.ctx.store.rawEvents.findById(`${wa.channelId}-orphan`).lean())?.state === 'processed');
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'wamid.ORPHAN' })).toBe(1);

    // A second sweep finds nothing left to do.
    expect((await recoverPendingWork(h.ctx)).rawEvents).toBe(0);
  });

  it('while the workers run, the minute sweep picks up an acknowledged webhook whose job is gone: no restart needed', async () => {
    await recoverPendingWork(h.ctx);
    const sweep = await h.ctx.queues.timers.getJobScheduler(RECOVERY_SWEEP);
    expect(sweep?.every).toBe(60_000);
    // As if its inbound job had run out of retries while the store was away.
    await recordedWithoutJob('stranded', textMessage(wa.phoneNumberId, { id: 'wamid.STRANDED', from: '15556660009', timestamp: unix(h.clock.now()), text: 'still there?' }));
    // The sweep's job as its scheduler adds it each minute, taken by the running timers worker.
    await h.ctx.queues.timers.add(RECOVERY_SWEEP, { kind: RECOVERY_SWEEP });
    await eventually(async () => (await h.ctx.store.rawEvents.findById(`${wa.channelId}-stranded`).lean())?.state === 'processed');
    expect(await h.ctx.store.messages.countDocuments({ providerMessageId: 'wamid.STRANDED' })).toBe(1);
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

  it('schedules again the timers of open conversations whose timer jobs were lost', async () => {
    const workspaceId = new Types.ObjectId(wa.workspaceId);
    const [queued, active] = await h.ctx.store.conversations.create([
      { workspaceId, channelId: new Types.ObjectId(wa.channelId), contactId: new Types.ObjectId(), status: 'queued', statusChangedAt: h.clock.now() },
      { workspaceId, channelId: new Types.ObjectId(wa.channelId), contactId: new Types.ObjectId(), status: 'active', statusChangedAt: h.clock.now() },
    ]);
    // As if Redis lost them: stored conversations in timed states with no timer jobs at all.
    const abandon = timerJobId(String(queued!._id), 'abandon', queued!.lifecycleVersion);
    const autoResolve = timerJobId(String(active!._id), 'auto-resolve', active!.lifecycleVersion);
    expect(await h.ctx.queues.timers.getJob(abandon)).toBeUndefined();

    const first = await recoverPendingWork(h.ctx);
    expect(first.timers).toBeGreaterThanOrEqual(2);
    expect(await h.ctx.queues.timers.getJob(abandon)).toBeTruthy();
    expect(await h.ctx.queues.timers.getJob(autoResolve)).toBeTruthy();

    // Removed again, brought back again; a second sweep with the jobs present does not double them.
    await h.ctx.queues.timers.remove(abandon);
    await recoverPendingWork(h.ctx);
    await recoverPendingWork(h.ctx);
    expect(await h.ctx.queues.timers.getJob(abandon)).toBeTruthy();
    const delayed = await h.ctx.queues.timers.getDelayed();
    expect(delayed.filter((j) => j.id === abandon || j.id === autoResolve)).toHaveLength(2);
  });
});
