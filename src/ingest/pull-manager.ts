import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connections.js';
import type { PullHandle, PullSink } from '../../connectors/contract.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { Outbox } from '../events/outbox.js';
import type { Logger } from '../logger.js';
import { redisKeys } from '../redis/keys.js';
import { withScripts } from '../redis/scripts.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { RawEventRecorder } from './raw-event-recorder.js';

const LEASE_MS = 30_000;
const RENEW_MS = 10_000;


interface Running {
  timer?: NodeJS.Timeout;
  handle?: PullHandle;
}

/**
 * Runs the watchers of pull-based channels (IMAP mailboxes) in worker processes. Each channel is
 * watched by one process at a time, held by a Redis lease that is renewed while it runs; a
 * process that cannot get the lease tries again later, so a crashed holder is replaced.
 */
export class PullManager {
  private readonly token = randomUUID();
  private readonly running = new Map<string, Running>();
  private stopped = false;

  constructor(
    private readonly deps: {
      store: Store;
      channels: ChannelService;
      recorder: RawEventRecorder;
      outbox: Outbox;
      redis: RedisClient;
      keyPrefix: string;
      logger: Logger;
    },
  ) {
    withScripts(deps.redis);
  }

  /** Starts watching every pull-based channel that is not disabled. */
  async startAll(): Promise<void> {
    const channels = await this.deps.store.channels.find({ state: { $ne: 'disabled' } }).lean();
    for (const doc of channels) await this.ensure(doc);
  }

  /** Watches the channel if its connector pulls and no watcher runs here yet. */
  async ensure(doc: ChannelDoc): Promise<void> {
    if (this.stopped || this.running.has(String(doc._id)) || !this.deps.channels.connectorOf(doc).startPulling) return;
    const entry: Running = {};
    this.running.set(String(doc._id), entry);
    await this.tick(doc, entry);
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      [...this.running.entries()].map(async ([id, entry]) => {
        clearTimeout(entry.timer);
        await entry.handle?.stop();
        await this.deps.redis.leaseRelease(this.leaseKey(id), this.token);
      }),
    );
    this.running.clear();
  }

  /** Takes or renews the lease; starts the watcher on taking it, stops it on losing it. */
  private async tick(doc: ChannelDoc, entry: Running): Promise<void> {
    if (this.stopped) return;
    const key = this.leaseKey(String(doc._id));
    try {
      if (entry.handle) {
        const renewed = await this.deps.redis.leaseRenew(key, this.token, String(LEASE_MS));
        if (renewed !== 1) {
          this.deps.logger.warn({ channelId: String(doc._id) }, 'lost the mailbox lease; stopping its watcher');
          await entry.handle.stop();
          entry.handle = undefined;
        }
      } else if ((await this.deps.redis.set(key, this.token, 'PX', LEASE_MS, 'NX')) === 'OK') {
        const { connector, access } = this.deps.channels.resolve(doc);
        entry.handle = connector.startPulling?.(access, this.sinkFor(doc));
      }
    } catch (err) {
      this.deps.logger.error({ channelId: String(doc._id), err }, 'mailbox lease check failed');
    }
    entry.timer = setTimeout(() => void this.tick(doc, entry), entry.handle ? RENEW_MS : LEASE_MS);
    entry.timer.unref();
  }

  private leaseKey(channelId: string): string {
    return redisKeys(this.deps.keyPrefix).pullLease(channelId);
  }

  private sinkFor(doc: ChannelDoc): PullSink {
    const { store, recorder, outbox, logger } = this.deps;
    const channelLogger = logger.child({ channelId: String(doc._id) });
    return {
      record: async (raw, contentType) => {
        await recorder.record(doc, raw, contentType);
      },
      loadCursor: async () => (await store.channels.findById(doc._id, { cursor: 1 }).lean())?.cursor ?? null,
      saveCursor: async (cursor) => {
        await store.channels.updateOne({ _id: doc._id }, { $set: { cursor } });
      },
      reportState: async (state, reason) => {
        const changed = await store.channels
          .findOneAndUpdate(
            { _id: doc._id, $or: [{ state: { $ne: state } }, { stateReason: { $ne: reason } }] },
            state === 'active' ? { $set: { state }, $unset: { stateReason: '' } } : { $set: { state, stateReason: reason } },
            { returnDocument: 'after' },
          )
          .lean();
        if (!changed) return;
        await outbox.emit({
          type: 'channel.state_changed',
          workspaceId: doc.workspaceId,
          key: `${String(doc._id)}-${changed.updatedAt.getTime()}`,
          data: { channelId: String(doc._id), state, reason: reason ?? null },
        });
      },
      logger: channelLogger,
    };
  }
}
