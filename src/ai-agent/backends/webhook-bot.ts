import type { AxiosInstance } from 'axios';
import type { GuardedAgents } from '../../webhooks/connect-guard.js';
import { deliverWebhook } from '../../webhooks/sender.js';
import type { AiBackend, BackendAnswer, ReplyContext } from '../backend.js';

/** The event an external bot receives for each customer message it is to answer. */
export const BOT_EVENT_TYPE = 'ai_agent.reply_requested';

/**
 * An external bot: each customer message is POSTed to it as a Standard Webhooks–signed event
 * (the same signing as helpdesk webhooks, with the bot's own secret; `webhook-id` is stable per
 * customer message, so a retried delivery is recognisable). The bot answers later through the
 * API with an `automation` key (`POST /v1/conversations/:id/ai-agent/replies`, `.../handoff`).
 * A delivery that fails is a failure (retried with backoff, then a handoff).
 */
export class WebhookBotBackend implements AiBackend {
  constructor(
    private readonly settings: { url: string; secret: string },
    private readonly deps: { http: AxiosInstance; agents: GuardedAgents; timeoutMs: number; now: () => number },
  ) {}

  async reply(context: ReplyContext): Promise<BackendAnswer> {
    const body = JSON.stringify({ type: BOT_EVENT_TYPE, timestamp: new Date(this.deps.now()).toISOString(), data: context });
    const result = await deliverWebhook({
      url: this.settings.url,
      eventId: `ai_reply-${context.messageId}`,
      body,
      secrets: [this.settings.secret],
      http: this.deps.http,
      agents: this.deps.agents,
      timeoutMs: this.deps.timeoutMs,
      now: this.deps.now,
    });
    if (result.outcome !== 'delivered') throw new Error(`bot webhook: ${result.error ?? `HTTP ${result.status}`}`);
    return { later: true };
  }
}
