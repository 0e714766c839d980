import { Types } from 'mongoose';
import { PerWorkspace, type SharedCache } from '../cache/shared-cache.js';
import { unprocessable } from '../errors.js';
import type { SealedSecret, SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { AiAgentConfigDoc, AiBackendConfig, KnowledgeSnippet } from '../store/models/ai-agent-config.js';
import type { WebhookTargetGuard } from '../webhooks/allowlist.js';
import { generateWebhookSecret } from '../webhooks/signature.js';

/** What an admin sets: the whole configuration at once; secrets are write-only. */
export interface AiAgentInput {
  enabled: boolean;
  backend:
    | { type: 'openai'; baseUrl: string; model: string; apiKey?: string; temperature?: number; maxTokens?: number }
    | { type: 'webhook'; url: string; rotateSecret?: boolean };
  instructions: string;
  knowledge: KnowledgeSnippet[];
  handoffPhrases: string[];
  defaultChannelIds: string[];
  historyMessages: number;
  maxRepliesPerHour: number;
}

/** A workspace's AI agent configuration as the reply path reads it, for every customer message: cached. */
export type AiAgentConfigs = PerWorkspace<AiAgentConfigDoc | null>;

export function createAiAgentConfigs(store: Store, cache: SharedCache): AiAgentConfigs {
  return new PerWorkspace(cache, 'ai-agent', (workspaceId: Types.ObjectId) => store.aiAgentConfigs.findOne({ workspaceId }).lean());
}

/** The AI agent's configuration as admins read and set it (`/v1/ai-agent`). */
export class AiAgentSettings {
  constructor(private readonly deps: { store: Store; configs: AiAgentConfigs; secretBox: SecretBox; targets: WebhookTargetGuard }) {}

  async get(workspaceId: Types.ObjectId): Promise<AiAgentConfigDoc | null> {
    return this.deps.store.aiAgentConfigs.findOne({ workspaceId }).lean();
  }

  /**
   * Replaces the configuration. An API key left out keeps the stored one (same backend type); a
   * bot's signing secret is made when the webhook backend is first set or on `rotateSecret`, and
   * answered only then (`webhookSecret`).
   */
  async put(workspaceId: Types.ObjectId, input: AiAgentInput): Promise<{ config: AiAgentConfigDoc; webhookSecret: string | null }> {
    const { store, targets } = this.deps;
    const current = await this.get(workspaceId);
    await targets.assertConfigurable(workspaceId, input.backend.type === 'openai' ? input.backend.baseUrl : input.backend.url);
    const channelIds = [...new Set(input.defaultChannelIds)].map((id) => new Types.ObjectId(id));
    const known = await store.channels.countDocuments({ workspaceId, _id: { $in: channelIds } });
    if (known !== channelIds.length) throw unprocessable('channel_not_found', 'defaultChannelIds names a channel this workspace does not have');
    const { backend, secret, webhookSecret } = this.backendOf(input.backend, current);
    const fields = {
      enabled: input.enabled,
      backend,
      instructions: input.instructions,
      knowledge: input.knowledge,
      handoffPhrases: input.handoffPhrases,
      defaultChannelIds: channelIds,
      historyMessages: input.historyMessages,
      maxRepliesPerHour: input.maxRepliesPerHour,
    };
    // One record per workspace (unique workspaceId); two admins saving at once: the last one wins.
    const config = await store.aiAgentConfigs
      .findOneAndUpdate(
        { workspaceId },
        { $set: { ...fields, ...(secret && { secret }) }, ...(!secret && { $unset: { secret: '' } }), $setOnInsert: { workspaceId } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean();
    await this.deps.configs.changed(workspaceId);
    return { config: config!, webhookSecret };
  }

  /** The backend as stored, its sealed secret, and a new bot secret to answer once. */
  private backendOf(
    input: AiAgentInput['backend'],
    current: AiAgentConfigDoc | null,
  ): { backend: AiBackendConfig; secret: SealedSecret | undefined; webhookSecret: string | null } {
    const { secretBox } = this.deps;
    const kept = current?.backend.type === input.type ? current.secret : undefined;
    if (input.type === 'openai') {
      const { apiKey, ...backend } = input;
      return { backend, secret: apiKey !== undefined ? secretBox.seal(apiKey) : kept, webhookSecret: null };
    }
    const backend = { type: input.type, url: input.url };
    if (kept && !input.rotateSecret) return { backend, secret: kept, webhookSecret: null };
    const webhookSecret = generateWebhookSecret();
    return { backend, secret: secretBox.seal(webhookSecret), webhookSecret };
  }
}
