import type { RedisClient } from '../redis/connections.js';
import type { Model } from 'mongoose';
import type { Config } from '../../config/schema.js';
import type { ChannelService } from '../channels/channel-service.js';
import type { ConnectChannelDeps } from '../channels/connect-channel.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';

/** How long a command waits for an unanswering Redis before it says so (a refused connection fails at once). */
const REDIS_CONNECT_TIMEOUT_MS = 5000;

/** What connecting and syncing channels use. */
export interface ChannelTools extends ConnectChannelDeps {
  channels: ChannelService;
  templates: TemplateRegistry;
}

/**
 * What a command connects to, each opened on its first use (and its modules loaded then), all
 * closed by `close`: a listing opens the store alone, never Redis, the queues or the connectors.
 */
export class CliResources {
  private opened?: Promise<Store>;
  private redis?: RedisClient;
  private queues?: Queues;
  private logger?: Promise<Logger>;

  constructor(readonly config: Config) {}

  store(): Promise<Store> {
    this.opened ??= (async () => {
      const [{ connectStore }, { systemClock }] = await Promise.all([import('../store/index.js'), import('../clock.js')]);
      return connectStore(this.config.MONGODB_URI, systemClock);
    })();
    return this.opened;
  }

  /** The store, with the collections a command writes and their unique indexes in place (the gateway may never have started). */
  async storeWriting(...collections: Array<keyof Omit<Store, 'connection' | 'media'>>): Promise<Store> {
    const [store, { ensureCollection }] = await Promise.all([this.store(), import('../store/index.js')]);
    for (const name of collections) await ensureCollection(store[name] as Model<unknown>);
    return store;
  }

  async secretBox(): Promise<SecretBox> {
    const { SecretBox } = await import('../security/secret-box.js');
    return new SecretBox(this.config.OMNIGATE_ENCRYPTION_KEY, this.config.OMNIGATE_PREVIOUS_ENCRYPTION_KEYS);
  }

  /** Channels with their connectors (which say which channels are pulled) and the secret box. */
  async channelService(): Promise<ChannelService> {
    const [store, secretBox, logger, { ConnectorRegistry }, { connectorEnvironmentOf }, { ChannelService }] = await Promise.all([
      this.store(),
      this.secretBox(),
      this.log(),
      import('../../connectors/registry.js'),
      import('../app/connector-environment.js'),
      import('../channels/channel-service.js'),
    ]);
    return new ChannelService(store, new ConnectorRegistry(connectorEnvironmentOf(this.config, logger)), secretBox, this.config.PUBLIC_BASE_URL);
  }

  /** What connecting and syncing channels use; the outbox needs Redis, for events such as `channel.created`. */
  async channelTools(): Promise<ChannelTools> {
    const [store, channels, logger, { Outbox }, { TemplateRegistry }, { systemClock }] = await Promise.all([
      this.storeWriting('channels', 'templates', 'events'),
      this.channelService(),
      this.log(),
      import('../events/outbox.js'),
      import('../template-registry/template-registry.js'),
      import('../clock.js'),
    ]);
    const outbox = new Outbox(store, await this.openQueues(logger), systemClock, logger);
    return { channels, templates: new TemplateRegistry(store, outbox), outbox, config: this.config };
  }

  async close(): Promise<void> {
    if (this.queues) {
      const { closeQueues } = await import('../jobs/queues.js');
      await closeQueues(this.queues);
    }
    await this.redis?.quit().catch(() => this.redis?.disconnect());
    const store = await this.opened?.catch(() => undefined);
    await store?.connection.close();
  }

  private log(): Promise<Logger> {
    this.logger ??= import('../logger.js').then(({ createLogger }) => createLogger('warn'));
    return this.logger;
  }

  private async openQueues(logger: Logger): Promise<Queues> {
    const [{ connectFailFast }, { createQueues }] = await Promise.all([import('../redis/connections.js'), import('../jobs/queues.js')]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis at ${this.config.REDIS_URL} did not answer within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s`)), REDIS_CONNECT_TIMEOUT_MS);
    });
    const connecting = connectFailFast(this.config.REDIS_URL, logger);
    connecting.catch(() => undefined); // a late failure, once the timeout has spoken
    try {
      this.redis = await Promise.race([connecting, late]);
    } finally {
      clearTimeout(timer);
    }
    this.queues = createQueues(this.redis, this.config.QUEUE_PREFIX, logger);
    return this.queues;
  }
}
