import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { Clock } from '../clock.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Queues } from '../jobs/queues.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { RawEventDoc } from '../store/models/raw-event.js';
import type { InboundEvent } from '../domain/inbound-event.js';
import { carriedEvents, type InboundJobData } from './inbound-job.js';

export const INBOUND_JOB_OPTIONS = { attempts: 8, backoff: { type: 'exponential', delay: 1000 } } as const;

/**
 * The one durable step of every inbound path (webhooks and pulled mail): the bytes are written
 * to raw_events under `<channelId>-<sha256>` and an inbound job with that id is queued. It
 * resolves only when both are done; a byte-identical repeat is recognised and re-queued only
 * if it was not processed yet.
 */
export class RawEventRecorder {
  /** The driver's collection, not the mongoose model: this is the hot path, and the row is a plain append. */
  private readonly rawEvents: mongo.Collection<RawEventDoc>;

  constructor(
    store: Store,
    private readonly queues: Queues,
    private readonly clock: Clock,
  ) {
    if (!store.connection.db) throw new Error('RawEventRecorder needs an open connection');
    this.rawEvents = store.connection.db.collection<RawEventDoc>(store.rawEvents.collection.collectionName);
  }

  /** `events`: what the request was parsed into already, for the job to carry (src/ingest/inbound-job.ts). */
  async record(channel: Pick<ChannelDoc, '_id' | 'workspaceId' | 'type'>, body: Buffer, contentType: string, events?: InboundEvent[]): Promise<string> {
    const rawEventId = `${String(channel._id)}-${createHash('sha256').update(body).digest('hex')}`;
    try {
      await this.rawEvents.insertOne({
        _id: rawEventId,
        workspaceId: channel.workspaceId,
        channelId: channel._id,
        connector: channel.type,
        contentType,
        body,
        state: 'received',
        receivedAt: this.clock.now(),
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.rawEvents.findOne({ _id: rawEventId }, { projection: { state: 1 } });
      if (existing?.state === 'processed') return rawEventId;
    }
    const carried = events && carriedEvents(events);
    const job: InboundJobData = { rawEventId, ...(carried && { parsed: { channelId: String(channel._id), events: carried } }) };
    await this.queues.inbound.add('raw', job, { ...INBOUND_JOB_OPTIONS, jobId: rawEventId });
    return rawEventId;
  }
}
