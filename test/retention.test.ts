import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverPendingWork } from '../src/app/recovery.js';
import { runTimer } from '../src/app/timers.js';
import { RETENTION_SWEEP } from '../src/retention/retention-sweep.js';
import { startHarness, type Harness } from './support/harness.js';

const DAY = 24 * 60 * 60_000;

let h: Harness;

beforeAll(async () => {
  // No workers: what is left to do stays as it is while the sweep runs.
  h = await startHarness({ workers: false, config: { RAW_EVENT_RETENTION_DAYS: '7', DELIVERY_LOG_RETENTION_DAYS: '30' } });
});
afterAll(() => h.close());

const collection = (name: string) => h.ctx.store.connection.db!.collection<{ _id: string } & Record<string, unknown>>(name);
const ago = (ms: number) => new Date(h.clock.now().getTime() - ms);
const ids = async (name: string) => (await collection(name).find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort();

describe('retention', () => {
  it('purges what has served its time, keeps what is recent or still to be done, and runs every hour without a restart', async () => {
    const workspaceId = new Types.ObjectId();
    const raw = { workspaceId, channelId: new Types.ObjectId(), connector: 'whatsapp-cloud', contentType: 'application/json', body: Buffer.from('{}') };
    await collection('raw_events').insertMany([
      { _id: 'raw-old-processed', ...raw, state: 'processed', receivedAt: ago(8 * DAY), processedAt: ago(8 * DAY) },
      { _id: 'raw-recent-processed', ...raw, state: 'processed', receivedAt: ago(6 * DAY), processedAt: ago(6 * DAY) },
      // Never processed: still work to do (or to look at), whatever its age.
      { _id: 'raw-old-failed', ...raw, state: 'failed', receivedAt: ago(30 * DAY), error: 'x' },
      { _id: 'raw-old-received', ...raw, state: 'received', receivedAt: ago(30 * DAY) },
    ]);
    await collection('idempotency_records').insertMany([
      { _id: `${String(workspaceId)}:old`, fingerprint: 'f', state: 'done', status: 202, body: { text: 'words' }, createdAt: ago(25 * 60 * 60_000), updatedAt: ago(25 * 60 * 60_000) },
      { _id: `${String(workspaceId)}:recent`, fingerprint: 'f', state: 'done', status: 202, body: {}, createdAt: ago(60 * 60_000), updatedAt: ago(60 * 60_000) },
    ]);
    const delivery = { workspaceId, subscriptionId: new Types.ObjectId(), eventType: 'message.received', orderKey: 'k', round: 0, attempts: [] };
    await collection('webhook_deliveries').insertMany([
      { _id: 'delivered-old', ...delivery, eventId: 'e-old', state: 'delivered', createdAt: ago(31 * DAY), updatedAt: ago(31 * DAY) },
      { _id: 'failed-old', ...delivery, eventId: 'e-old', state: 'failed', createdAt: ago(31 * DAY), updatedAt: ago(31 * DAY) },
      { _id: 'delivered-recent', ...delivery, eventId: 'e-recent', state: 'delivered', createdAt: ago(29 * DAY), updatedAt: ago(29 * DAY) },
      { _id: 'pending-old', ...delivery, eventId: 'e-pending', state: 'pending', createdAt: ago(31 * DAY), updatedAt: ago(31 * DAY) },
    ]);
    await collection('events').insertMany([
      { _id: 'e-old', workspaceId, type: 'message.received', data: {}, occurredAt: ago(31 * DAY), state: 'dispatched' },
      { _id: 'e-recent', workspaceId, type: 'message.received', data: {}, occurredAt: ago(29 * DAY), state: 'dispatched' },
      { _id: 'e-pending', workspaceId, type: 'message.received', data: {}, occurredAt: ago(31 * DAY), state: 'pending' },
    ]);

    // Scheduled with the recovery sweep when workers start; its hourly job, as a timers worker runs it.
    await recoverPendingWork(h.ctx);
    expect((await h.ctx.queues.timers.getJobScheduler(RETENTION_SWEEP))?.every).toBe(60 * 60_000);
    await runTimer(h.ctx, { kind: RETENTION_SWEEP });

    expect(await ids('raw_events')).toEqual(['raw-old-failed', 'raw-old-received', 'raw-recent-processed']);
    expect(await ids('idempotency_records')).toEqual([`${String(workspaceId)}:recent`]);
    expect(await ids('webhook_deliveries')).toEqual(['delivered-recent', 'pending-old']);
    expect(await ids('events')).toEqual(['e-pending', 'e-recent']);
  });
});
