import { Types } from 'mongoose';
import type { ChannelAccess, Connector } from '../../connectors/contract.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { ENDED_STATUSES } from '../domain/conversation.js';
import { AppError, badRequest, conflict, notFound, unlessTaken } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import { webhookUrlOf } from '../representation/webhook-url.js';
import type { SharedCache } from '../cache/shared-cache.js';

export interface ResolvedChannel {
  doc: ChannelDoc;
  connector: Connector;
  access: ChannelAccess;
}

export interface ChannelPatch {
  name?: string;
  settings?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

/**
 * Channels: creation (settings validated by the connector, secrets sealed) and decrypted channels
 * for the webhook hot path and the inbound job, which must not decrypt per message, kept in the
 * shared cache: a change or removal drops every process's copy.
 */
export class ChannelService {
  constructor(
    private readonly store: Store,
    private readonly connectors: ConnectorRegistry,
    private readonly secretBox: SecretBox,
    private readonly publicBaseUrl: string,
    /** None for a one-off command (the CLI), which reads each channel from the store. */
    private readonly cache?: Pick<SharedCache, 'get' | 'invalidate'>,
  ) {}

  async create(workspaceId: Types.ObjectId, input: { type: string; name: string; settings: unknown; secrets: unknown }) {
    const connector = this.connectors.get(input.type);
    if (!connector) {
      throw badRequest('unknown_channel_type', `Unknown channel type "${input.type}"`, { known: this.connectors.types() });
    }
    const fields = this.providerFields(connector, input.type, workspaceId, input.settings, input.secrets);
    return unlessTaken(() => this.store.channels.create({ workspaceId, type: input.type, name: input.name, ...fields }), channelExists);
  }

  /**
   * Renames a channel or changes its settings and secrets. Changed settings and secrets are
   * merged into the current ones, validated as on creation and the secrets sealed anew. Every
   * process forgets its cached copy.
   */
  async update(workspaceId: Types.ObjectId, channelId: string, patch: ChannelPatch): Promise<ChannelDoc> {
    const doc = await this.get(workspaceId, channelId);
    const connector = this.connectorOf(doc);
    const providerChange = patch.settings !== undefined || patch.secrets !== undefined;
    // A mailbox watcher holds its channel as it was started; it would not see the change.
    if (providerChange && connector.startPulling) throw conflict('channel_pulled', 'The settings and secrets of a pulled channel (a mailbox) cannot be changed; connect it anew');
    const fields = providerChange
      ? this.providerFields(connector, doc.type, workspaceId, { ...doc.settings, ...patch.settings }, { ...this.secretBox.open<Record<string, unknown>>(doc.secrets), ...patch.secrets })
      : {};
    const updated = await unlessTaken(() =>
      this.store.channels.findOneAndUpdate({ _id: doc._id, workspaceId }, { $set: { ...(patch.name !== undefined && { name: patch.name }), ...fields } }, { returnDocument: 'after' }).lean(),
      channelExists,
    );
    await this.cache?.invalidate(cacheKey(String(doc._id)));
    if (!updated) throw notFound('Channel');
    return updated;
  }

  /**
   * Removes a channel that has no open conversation, with its templates; its past conversations
   * and messages stay readable. Webhooks to it are then refused as an unknown channel.
   */
  async remove(workspaceId: Types.ObjectId, channelId: string): Promise<void> {
    const doc = await this.get(workspaceId, channelId);
    if (this.connectorOf(doc).startPulling) throw conflict('channel_pulled', 'A pulled channel (a mailbox) cannot be removed while the gateway may be watching it');
    const open = await this.store.conversations.countDocuments({ channelId: doc._id, status: { $nin: ENDED_STATUSES } });
    if (open > 0) throw conflict('channel_has_open_conversations', 'Resolve or close its open conversations first', { open });
    await this.store.channels.deleteOne({ _id: doc._id, workspaceId });
    await this.store.templates.deleteMany({ channelId: doc._id });
    await this.cache?.invalidate(cacheKey(String(doc._id)));
  }

  /** Settings and secrets validated by the connector; the account id derived from them; secrets sealed. */
  private providerFields(connector: Connector, type: string, workspaceId: Types.ObjectId, rawSettings: unknown, rawSecrets: unknown) {
    const settings = connector.settingsSchema.safeParse(rawSettings ?? {});
    const secrets = connector.secretsSchema.safeParse(rawSecrets ?? {});
    if (!settings.success || !secrets.success) {
      throw badRequest('validation_failed', `Invalid settings or secrets for a ${type} channel`, {
        settings: settings.success ? undefined : settings.error.issues,
        secrets: secrets.success ? undefined : secrets.error.issues.map((i) => ({ path: i.path, message: i.message })),
      });
    }
    const access = { id: '', workspaceId: String(workspaceId), webhookUrl: '', settings: settings.data, secrets: secrets.data } as ChannelAccess;
    return {
      accountId: connector.accountIdOf(access),
      accountAliases: connector.accountAliasesOf?.(access) ?? [],
      settings: settings.data as Record<string, unknown>,
      secrets: this.secretBox.seal(secrets.data),
    };
  }

  /** The workspace's channels, newest first. */
  list(workspaceId: Types.ObjectId): Promise<ChannelDoc[]> {
    return this.store.channels.find({ workspaceId }).sort({ _id: -1 }).lean();
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
    const channel = await this.resolveById(channelId);
    if (!channel || channel.doc.type !== type) throw new AppError(404, 'unknown_channel', 'No such channel');
    return channel;
  }

  /** By id alone, decrypted, from the cache when it holds a fresh copy; null if there is no such channel. */
  async resolveById(channelId: string): Promise<ResolvedChannel | null> {
    const load = async () => {
      const doc = Types.ObjectId.isValid(channelId) ? await this.store.channels.findById(channelId).lean() : null;
      return doc ? this.resolve(doc) : null;
    };
    return this.cache ? this.cache.get(cacheKey(channelId), load) : load();
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

const cacheKey = (channelId: string) => `channel:${channelId}`;

/** One channel per provider account and workspace. */
const channelExists = () => conflict('channel_exists', 'A channel for this provider account already exists');
