import { Router } from 'express';
import { z } from 'zod';
import type { AiAgentInput, AiAgentSettings } from '../../ai-agent/ai-agent-settings.js';
import type { AiAgentService } from '../../ai-agent/ai-agent-service.js';
import { forbidden, notFound } from '../../errors.js';
import { conversationToApi, messageToApi } from '../../representation/public-records.js';
import type { Store } from '../../store/index.js';
import { conversationResponse, isoTime, messageResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { SEND_REFUSALS } from '../error-codes.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import type { Expect } from '../same-shape.js';
import type { AiAgentConfigDoc } from '../../store/models/ai-agent-config.js';
import { idParam, objectId } from '../schemas.js';
import type { RequestHandler } from 'express';

const endpointUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const aiAgentBody = z.strictObject({
  enabled: z.boolean(),
  backend: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('openai'),
      baseUrl: endpointUrl.describe('The OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama); `/chat/completions` is added'),
      model: z.string().trim().min(1).max(200),
      apiKey: z.string().min(1).max(2000).optional().describe('Sealed at rest and never answered; left out, the stored key is kept'),
      temperature: z.number().min(0).max(2).optional(),
      maxTokens: z.number().int().min(1).max(100_000).optional(),
    }),
    z.strictObject({
      type: z.literal('webhook'),
      url: endpointUrl.describe('Where the bot receives `ai_agent.reply_requested` events, signed per Standard Webhooks'),
      rotateSecret: z.boolean().optional().describe('Make a new signing secret (answered once, as webhookSecret)'),
    }),
  ]),
  instructions: z.string().max(20_000).default('').describe("The system prompt: who the agent is and how it answers"),
  knowledge: z.array(z.strictObject({ title: z.string().trim().min(1).max(200), text: z.string().trim().min(1).max(20_000) })).max(100).default([]),
  handoffPhrases: z.array(z.string().trim().min(1).max(100)).max(50).default([]).describe('Besides "agent" and "human": words that hand the conversation to people at once, in the channels\' languages'),
  defaultChannelIds: z.array(objectId).max(200).default([]).describe('Channels whose new conversations start with Agent replies on'),
  historyMessages: z.number().int().min(1).max(100).default(20).describe("How many of the conversation's latest messages the model sees"),
  maxRepliesPerHour: z.number().int().min(1).max(1000).default(30).describe('Automatic replies per conversation per hour; one more hands off'),
});
type _BodyFitsInput = Expect<z.infer<typeof aiAgentBody> extends AiAgentInput ? true : false>;

export const aiAgentResponse = z
  .strictObject({
    enabled: z.boolean(),
    backend: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('openai'), baseUrl: z.string(), model: z.string(), apiKeySet: z.boolean(), temperature: z.number().nullable(), maxTokens: z.number().int().nullable() }),
      z.strictObject({ type: z.literal('webhook'), url: z.string() }),
    ]),
    instructions: z.string(),
    knowledge: z.array(z.strictObject({ title: z.string(), text: z.string() })),
    handoffPhrases: z.array(z.string()),
    defaultChannelIds: z.array(z.string()),
    historyMessages: z.number().int(),
    maxRepliesPerHour: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'AiAgent' });

/** The public shape, no secret, only whether one is set; held to aiAgentResponse by the tests (the backend is a union). */
function aiAgentConfigToApi(c: AiAgentConfigDoc) {
  const { backend } = c;
  return {
    enabled: c.enabled,
    backend:
      backend.type === 'openai'
        ? {
            type: backend.type,
            baseUrl: backend.baseUrl,
            model: backend.model,
            apiKeySet: c.secret !== undefined,
            temperature: backend.temperature ?? null,
            maxTokens: backend.maxTokens ?? null,
          }
        : { type: backend.type, url: backend.url },
    instructions: c.instructions,
    knowledge: c.knowledge.map((k) => ({ title: k.title, text: k.text })),
    handoffPhrases: c.handoffPhrases,
    defaultChannelIds: c.defaultChannelIds.map(String),
    historyMessages: c.historyMessages,
    maxRepliesPerHour: c.maxRepliesPerHour,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

const savedAiAgentResponse = aiAgentResponse.extend({
  webhookSecret: z.string().nullable().describe("The bot's new signing secret (whsec_…), shown only when it was made; null otherwise"),
});

export const aiAgentSwitchBody = z.strictObject({ replies: z.boolean().describe('On: the AI agent answers the customer; off: people do (a handoff)') });
export const botReplyBody = z.strictObject({ text: z.string().trim().min(1).max(4096) });
export const botHandoffBody = z.strictObject({ reason: z.string().trim().max(500).optional().describe('For the agent who takes over') });

export const aiAgentOperations: Operations = {
  '/v1/ai-agent': {
    get: {
      operationId: 'getAiAgent',
      summary: "The workspace's AI agent (admin); its API key and signing secret are never answered",
      tags: ['ai-agent'],
      responses: { '200': { description: 'The AI agent', schema: aiAgentResponse } },
      errors: ['admin_required', 'not_found'],
    },
    put: {
      operationId: 'putAiAgent',
      summary:
        "Set the workspace's AI agent (admin): its backend (an OpenAI-compatible endpoint or a webhook bot), instructions, knowledge, handoff phrases, channel defaults and limits; disabling it hands every conversation it answered to people",
      tags: ['ai-agent'],
      body: aiAgentBody,
      responses: { '200': { description: 'The AI agent', schema: savedAiAgentResponse } },
      errors: ['admin_required', 'webhook_url_forbidden', 'channel_not_found'],
    },
  },
  '/v1/conversations/{id}/ai-agent': {
    put: {
      operationId: 'setConversationAiAgent',
      summary: 'Agent replies on or off for a conversation; off hands it to people (conversation.handed_off, then routing)',
      tags: ['ai-agent'],
      body: aiAgentSwitchBody,
      responses: { '200': { description: 'The conversation', schema: conversationResponse } },
      errors: ['ai_agent_not_configured', 'conversation_ended'],
    },
  },
  '/v1/conversations/{id}/ai-agent/replies': {
    post: {
      operationId: 'sendAiAgentReply',
      summary: "The webhook bot's answer (automation key): sent as the AI agent through the channel's rules; a refusal hands the conversation to people",
      tags: ['ai-agent'],
      body: botReplyBody,
      responses: { '201': { description: 'The message, queued', schema: messageResponse } },
      errors: ['automation_key_required', 'ai_agent_off', ...SEND_REFUSALS],
    },
  },
  '/v1/conversations/{id}/ai-agent/handoff': {
    post: {
      operationId: 'handOffAiAgentConversation',
      summary: 'The webhook bot hands the conversation to people (automation key)',
      tags: ['ai-agent'],
      body: botHandoffBody,
      responses: { '200': { description: 'The conversation', schema: conversationResponse } },
      errors: ['automation_key_required', 'ai_agent_off'],
      idempotent: false,
    },
  },
};

/** The webhook bot speaks with an automation key (an admin's works too). */
const requireAutomation: RequestHandler = (_req, res, next) => {
  if (!['automation', 'admin'].includes(authOf(res).role)) throw forbidden('automation_key_required', "Only an automation key may answer as the AI agent");
  next();
};

export function aiAgentRoutes(deps: { aiAgentSettings: AiAgentSettings; aiAgent: AiAgentService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { aiAgentSettings, aiAgent } = deps;
  router.get('/ai-agent', requireAdmin, async (_req, res) => {
    const config = await aiAgentSettings.get(authOf(res).workspaceId);
    if (!config) throw notFound('AI agent');
    res.json(aiAgentConfigToApi(config));
  });
  router.put('/ai-agent', requireAdmin, async (req, res) => {
    const { workspaceId } = authOf(res);
    const { config, webhookSecret } = await aiAgentSettings.put(workspaceId, aiAgentBody.parse(req.body));
    // Disabled: the conversations it answered are handed to people rather than left unanswered.
    if (!config.enabled) await aiAgent.handOffAll(workspaceId);
    res.json({ ...aiAgentConfigToApi(config), webhookSecret });
  });
  router.put('/conversations/:id/ai-agent', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { replies } = aiAgentSwitchBody.parse(req.body);
    const { workspaceId, role } = authOf(res);
    const conversation = await aiAgent.setReplies(workspaceId, id, replies, role === 'automation' ? 'automation' : 'agent');
    res.json(conversationToApi(conversation));
  });
  router.post(
    '/conversations/:id/ai-agent/replies',
    requireAutomation,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { text } = botReplyBody.parse(req.body);
      const { workspaceId, keyId } = authOf(res);
      const message = await aiAgent.botReply(workspaceId, id, text, keyId);
      return { status: 201, body: messageToApi(message), conversationId: id };
    }),
  );
  router.post('/conversations/:id/ai-agent/handoff', requireAutomation, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { reason } = botHandoffBody.parse(req.body ?? {});
    res.json(conversationToApi(await aiAgent.botHandoff(authOf(res).workspaceId, id, reason)));
  });
  return router;
}
