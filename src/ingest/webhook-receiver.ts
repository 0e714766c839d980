import { createHash } from 'node:crypto';
import type { mongo } from 'mongoose';
import type { HttpReply, WebhookRequest } from '../../connectors/contract.js';
import { InvalidPayloadError } from '../../connectors/contract.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { AppError, isDuplicateKeyError } from '../errors.js';
import type { Queues } from '../jobs/queues.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { RawEventDoc } from '../store/models/raw-event.js';

export const INBOUND_JOB_OPTIONS = { attempts: 8, backoff: { type: 'exponential', delay: 1000 } } as const;

/**
 * The acknowledged-means-recorded step. A provider request is verified, checked to be readable,
 * written to raw_events and queued; only then is it acknowledged. Any failure before that is a
 * 5xx, so the provider retries. A byte-identical redelivery finds its record and is re-queued
 * only if it was not processed yet.
 */
export class WebhookReceiver {
  /** The driver's collection, not the mongoose model: this is the hot path, and the row is a plain append. */
  private readonly rawEvents: mongo.Collection<RawEventDoc>;

  constructor(
    store: Store,
    private readonly queues: Queues,
    private readonly channels: ChannelService,
    private readonly clock: Clock,
  ) {
    if (!store.connection.db) throw new Error('WebhookReceiver needs an open connection');
    this.rawEvents = store.connection.db.collection<RawEventDoc>(store.rawEvents.collection.collectionName);
  }

  async handshake(type: string, channelId: string, req: WebhookRequest): Promise<HttpReply> {
    const { connector, access } = await this.channels.resolveForWebhook(type, channelId);
    if (!connector.handshake) throw new AppError(405, 'method_not_allowed', 'This channel has no verification handshake');
    return connector.handshake(req, access);
  }

  async receive(type: string, channelId: string, req: WebhookRequest): Promise<HttpReply> {
    const { connector, access, doc } = await this.channels.resolveForWebhook(type, channelId);
    if (!connector.verify(req, access)) throw new AppError(401, 'invalid_signature', 'The request signature is missing or does not match');
    try {
      await connector.parse({ ...req, receivedAt: this.clock.now() });
    } catch (err) {
      if (err instanceof InvalidPayloadError) throw new AppError(400, 'invalid_payload', err.message, err.details);
      throw err;
    }
    const rawEventId = `${channelId}-${createHash('sha256').update(req.rawBody).digest('hex')}`;
    try {
      await this.record(rawEventId, type, doc, req);
    } catch (err) {
      throw new AppError(503, 'not_recorded', 'The event could not be recorded; retry later', undefined, err);
    }
    return connector.ackReply;
  }

  private async record(rawEventId: string, type: string, doc: ChannelDoc, req: WebhookRequest): Promise<void> {
    try {
      await this.rawEvents.insertOne({
        _id: rawEventId,
        workspaceId: doc.workspaceId,
        channelId: doc._id,
        connector: type,
        contentType: String(req.headers['content-type'] ?? ''),
        body: req.rawBody,
        state: 'received',
        receivedAt: this.clock.now(),
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.rawEvents.findOne({ _id: rawEventId }, { projection: { state: 1 } });
      if (existing?.state === 'processed') return;
    }
    await this.queues.inbound.add('raw', { rawEventId }, { ...INBOUND_JOB_OPTIONS, jobId: rawEventId });
  }
}
