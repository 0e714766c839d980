import { Schema, type Types } from 'mongoose';
import type { SealedSecret } from '../../security/secret-box.js';

/** Where the AI agent's answers come from (src/ai-agent/backends/). */
export type AiBackendConfig =
  /** An OpenAI-compatible chat-completions endpoint: a hosted model or a local server (Ollama, vLLM). */
  | { type: 'openai'; baseUrl: string; model: string; temperature?: number; maxTokens?: number }
  /** An external bot: receives signed events, answers and hands off through the API. */
  | { type: 'webhook'; url: string };

/** A piece of the workspace's knowledge the model is given as context. */
export interface KnowledgeSnippet {
  title: string;
  text: string;
}

/** A workspace's AI agent: one record per workspace (unique workspaceId). */
export interface AiAgentConfigDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  /** Off: no conversation is answered automatically, whatever its switch says. */
  enabled: boolean;
  backend: AiBackendConfig;
  /** The backend's secret, sealed: the model endpoint's API key (none for a local server), or the bot's signing secret. */
  secret?: SealedSecret;
  instructions: string;
  knowledge: KnowledgeSnippet[];
  /** Besides "agent" and "human": phrases that hand a conversation to people at once, in the channels' languages. */
  handoffPhrases: string[];
  /** Channels whose new conversations start with Agent replies on. */
  defaultChannelIds: Types.ObjectId[];
  /** How many of the conversation's latest messages the model sees. */
  historyMessages: number;
  /** Automatic replies per conversation per hour; one more is a handoff (a loop, most likely). */
  maxRepliesPerHour: number;
  createdAt: Date;
  updatedAt: Date;
}

export const aiAgentConfigSchema = new Schema<AiAgentConfigDoc>(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    enabled: { type: Boolean, required: true },
    backend: { type: Schema.Types.Mixed, required: true },
    secret: Schema.Types.Mixed,
    instructions: { type: String, default: '' },
    knowledge: { type: Schema.Types.Mixed, default: [] },
    handoffPhrases: { type: [String], default: [] },
    defaultChannelIds: { type: [Schema.Types.ObjectId], default: [] },
    historyMessages: { type: Number, required: true },
    maxRepliesPerHour: { type: Number, required: true },
  },
  { minimize: false },
);
aiAgentConfigSchema.index({ workspaceId: 1 }, { unique: true });
