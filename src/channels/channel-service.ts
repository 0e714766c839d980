import { Types } from 'mongoose';
import type { ChannelAccess, Connector } from '../../connectors/contract.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { AppError, badRequest, conflict, isDuplicateKeyError, notFound } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import { webhookUrlOf } from './webhook-url.js';

export interface ResolvedChannel {
  doc: ChannelDoc;
  connector: Connector;
  access: ChannelAccess;
}

const CACHE_TTL_MS = 30_000;

/**
 * Channels: creation (settings validated by the connector, secrets sealed) and a short-lived
 * cache of decrypted channels for the webhook hot path, which must not decrypt per request.
 */
export class ChannelService {
  private readonly cache = new Map<string, { at: number; channel: ResolvedChannel }>();

  constructor(
    private readonly store: Store,
    private readonly connectors: ConnectorRegistry,
    private readonly secretBox: SecretBox,
    private readonly publicBaseUrl: string,
  ) {}

  async create(workspaceId: Types.ObjectId, input: { type: string; name: string; settings: unknown; secrets: unknown }) {
    const connector = this.connectors.get(input.type);
    if (!connector) {
      throw badRequest('unknown_channel_type', `Unknown channel type "${input.type}"`, { known: this.connectors.types() });
    }
    const settings = connector.settingsSchema.safeParse(input.settings ?? {});
    const secrets = connector.secretsSchema.safeParse(input.secrets ?? {});
    if (!settings.success || !secrets.success) {
      throw badRequest('validation_failed', `Invalid settings or secrets for a ${input.type} channel`, {
        settings: settings.success ? undefined : settings.error.issues,
        secrets: secrets.success ? undefined : secrets.error.issues.map((i) => ({ path: i.path, message: i.message })),
      });
    }
    const access = { id: '', workspaceId: String(workspaceId), webhookUrl: '', settings: settings.data, secrets: secrets.data } as ChannelAccess;
    try {
      return await this.store.channels.create({
        workspaceId,
        type: input.type,
        name: input.name,
        accountId: connector.accountIdOf(access),
        accountAliases: connector.accountAliasesOf?.(access) ?? [],
        settings: settings.data as Record<string, unknown>,
        secrets: this.secretBox.seal(secrets.data),
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('channel_exists', 'A channel for this provider account already exists');
      throw err;
    }
  }

  /** A channel of the workspace, or 404 (also for another workspace's id). */
  async get(workspaceId: Types.ObjectId, channelId: string): Promise<ChannelDoc> {
    const doc = Types.ObjectId.isValid(channelId)
      ? await this.store.channels.findOne({ _id: channelId, workspaceId }).lean()
      : null;
    if (!doc) throw notFound('Channel');
    return doc;
  }

  /** By id alone, for provider webhooks (the URL names the channel); cached. */
  async resolveForWebhook(type: string, channelId: string): Promise<ResolvedChannel> {
    const cached = this.cache.get(channelId);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS && cached.channel.doc.type === type) return cached.channel;
    const doc = Types.ObjectId.isValid(channelId) ? await this.store.channels.findById(channelId).lean() : null;
    if (!doc || doc.type !== type) throw new AppError(404, 'unknown_channel', 'No such channel');
    const channel = this.resolve(doc);
    this.cache.set(channelId, { at: Date.now(), channel });
    return channel;
  }

  /** The workspace's channels of this type that a provider account id concerns (events are routed by it). */
  async resolveByAccount(workspaceId: Types.ObjectId, type: string, accountId: string): Promise<ResolvedChannel[]> {
    const docs = await this.store.channels.find({ workspaceId, type, $or: [{ accountId }, { accountAliases: accountId }] }).lean();
    return docs.map((doc) => this.resolve(doc));
  }

  /** True for channels whose traffic is fetched (mailboxes) rather than posted to a webhook. */
  isPulled(doc: Pick<ChannelDoc, 'type'>): boolean {
    return Boolean(this.connectorOf(doc).startPulling);
  }

  /** The connector of a channel, without decrypting its secrets. */
  connectorOf(doc: Pick<ChannelDoc, 'type'>): Connector {
    const connector = this.connectors.get(doc.type);
    if (!connector) throw new AppError(500, 'connector_missing', `No connector for channel type ${doc.type}`);
    return connector;
  }

  resolve(doc: ChannelDoc): ResolvedChannel {
    const connector = this.connectorOf(doc);
    return {
      doc,
      connector,
      access: {
        id: String(doc._id),
        workspaceId: String(doc.workspaceId),
        webhookUrl: webhookUrlOf(this.publicBaseUrl, doc),
        settings: doc.settings,
        secrets: this.secretBox.open<Record<string, string>>(doc.secrets),
      },
    };
  }
}
