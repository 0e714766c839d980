import compression from 'compression';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connections.js';
import type { Config } from '../../config/schema.js';
import type { AgentService } from '../agents/agent-service.js';
import type { AiAgentService } from '../ai-agent/ai-agent-service.js';
import type { AiAgentSettings } from '../ai-agent/ai-agent-settings.js';
import type { AnalyticsService } from '../analytics/analytics-service.js';
import type { RuleService } from '../automation/rule-service.js';
import type { CannedResponses } from '../canned/canned-responses.js';
import type { ConnectChannelDeps } from '../channels/connect-channel.js';
import type { Clock } from '../clock.js';
import type { ContactMerger } from '../contacts/contact-merger.js';
import type { ContactService } from '../contacts/contact-service.js';
import type { EscalationService } from '../conversations/escalation.js';
import type { LabelService } from '../conversations/label-service.js';
import type { CsatService } from '../csat/csat-service.js';
import type { SubscriptionService } from '../webhooks/subscription-service.js';
import type { WebhookReceiver } from '../ingest/webhook-receiver.js';
import type { Logger } from '../logger.js';
import type { MediaLibrary } from '../media/media-library.js';
import type { MessageReader } from '../messages/message-reader.js';
import type { OutboundConversations } from '../outbound/outbound-conversations.js';
import type { QuarantineService } from '../quarantine/quarantine-service.js';
import type { QueueService } from '../routing/queue-service.js';
import type { ApiKeyService } from '../security/api-key-service.js';
import type { Store } from '../store/index.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import type { WebchatRouteDeps } from './routes/webchat.js';
import { authenticate } from './auth.js';
import { corsFor } from './cors.js';
import { rateLimitPerKey, type RateLimitConfig } from './api-key-rate-limit.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { buildOpenApiDocument } from './openapi.js';
import { adminRoutes } from './routes/admin.js';
import { agentRoutes } from './routes/agents.js';
import { aiAgentRoutes } from './routes/ai-agent.js';
import { automationRuleRoutes } from './routes/automation-rules.js';
import { cannedResponseRoutes } from './routes/canned-responses.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { channelRoutes } from './routes/channels.js';
import { conversationRoutes, type ConversationRouteDeps } from './routes/conversations.js';
import { contactRoutes } from './routes/contacts.js';
import { labelRoutes } from './routes/labels.js';
import { csatRoutes } from './routes/csat.js';
import { analyticsRoutes } from './routes/analytics.js';
import { mediaRoutes } from './routes/media.js';
import { messageRoutes } from './routes/messages.js';
import { queueRoutes } from './routes/queues.js';
import { quarantineRoutes } from './routes/quarantine.js';
import { outboundConversationRoutes } from './routes/outbound-conversations.js';
import { providerWebhookRoutes } from './routes/provider-webhooks.js';
import { workspaceRoutes } from './routes/workspace.js';
import { webhookSubscriptionRoutes } from './routes/webhook-subscriptions.js';
import { escalationRoutes } from './routes/escalations.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, type MetricsSource } from './routes/metrics.js';
import { webchatRoutes } from './routes/webchat.js';
import { sessionRoutes } from './routes/sessions.js';
import type { SessionTokens } from '../sessions/session-tokens.js';
import { consoleRoutes } from './console.js';

/**
 * What the routes and their middleware use, each handed on by name; the process's context
 * (src/app) has all of it. The store is here for the API key check, the readiness probe and
 * idempotency records, never for a route's own queries.
 */
export interface HttpServices extends ConnectChannelDeps, Omit<ConversationRouteDeps, 'idempotencyRecords'>, WebchatRouteDeps {
  config: RateLimitConfig & ConnectChannelDeps['config'] & Pick<Config, 'MAX_BODY_BYTES' | 'OMNIGATE_ADMIN_TOKEN' | 'CORS_ORIGINS' | 'METRICS_TOKEN' | 'TRUST_PROXY'>;
  logger: Logger;
  metrics: MetricsSource;
  clock: Clock;
  store: Store;
  redis: RedisClient;
  receiver: WebhookReceiver;
  mediaLibrary: MediaLibrary;
  csat: CsatService;
  apiKeyService: ApiKeyService;
  sessions: SessionTokens;
  workspaceService: WorkspaceService;
  agentService: AgentService;
  contactService: ContactService;
  contactMerger: ContactMerger;
  labelService: LabelService;
  messageReader: MessageReader;
  queueService: QueueService;
  quarantine: QuarantineService;
  subscriptionService: SubscriptionService;
  escalationService: EscalationService;
  cannedResponses: CannedResponses;
  outboundConversations: OutboundConversations;
  ruleService: RuleService;
  analytics: AnalyticsService;
  aiAgent: AiAgentService;
  aiAgentSettings: AiAgentSettings;
}

export function createHttpApp(ctx: HttpServices): Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip, which per-address limits count, is the client's only through proxies trusted here.
  if (ctx.config.TRUST_PROXY !== '') app.set('trust proxy', ctx.config.TRUST_PROXY);
  // Provider webhooks come first: they are the hot path and are not logged per request (the
  // raw_events collection is their record; failures are logged by the error handler).
  app.use('/webhooks', providerWebhookRoutes({ receiver: ctx.receiver, publicBaseUrl: ctx.config.PUBLIC_BASE_URL, maxBodyBytes: ctx.config.MAX_BODY_BYTES }));
  // After the provider webhooks, whose answers are small and whose path stays as short as can be.
  app.use(compression());
  // Customers' rating links: public (the token is the credential) and, like webhooks, not logged
  // per request, since their URL carries the token.
  app.use('/csat', csatRoutes({ csat: ctx.csat, idempotencyRecords: ctx.store.idempotencyRecords }));
  // The web chat's widget and visitors: public, checked per channel; not logged per request
  // either, since its media links carry their signature.
  app.use(
    '/webchat',
    webchatRoutes({
      visitorSessions: ctx.visitorSessions,
      visitorConversations: ctx.visitorConversations,
      visitorLimits: ctx.visitorLimits,
      widgetBundle: ctx.widgetBundle,
    }),
  );
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );

  app.use(healthRoutes(ctx), metricsRoutes({ metrics: ctx.metrics, metricsToken: ctx.config.METRICS_TOKEN }));
  // The agent console: static files of the single-page app, which speaks only the public API.
  app.use('/console', consoleRoutes());
  // Browser pages of the configured origins (CORS_ORIGINS) read the API and its document; before
  // authentication, so a preflight (sent without credentials) is answered.
  if (ctx.config.CORS_ORIGINS.length > 0) app.use(['/v1', '/openapi.json'], corsFor(ctx.config.CORS_ORIGINS));
  const openapi = buildOpenApiDocument(ctx.config.PUBLIC_BASE_URL);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.use(
    '/v1/admin',
    express.json({ limit: ctx.config.MAX_BODY_BYTES }),
    adminRoutes({
      workspaceService: ctx.workspaceService,
      adminToken: ctx.config.OMNIGATE_ADMIN_TOKEN,
      idempotencyRecords: ctx.store.idempotencyRecords,
    }),
  );
  app.use('/v1', authenticate(ctx));
  app.use('/v1', rateLimitPerKey(ctx)); // per API key; the admin API above and provider webhooks are not limited
  // Before the JSON parser: media bodies are raw bytes.
  app.use('/v1', mediaRoutes({ mediaLibrary: ctx.mediaLibrary, maxBodyBytes: ctx.config.MAX_BODY_BYTES, idempotencyRecords: ctx.store.idempotencyRecords }));
  app.use(
    '/v1',
    express.json({ limit: ctx.config.MAX_BODY_BYTES }),
    apiKeyRoutes({ apiKeyService: ctx.apiKeyService, idempotencyRecords: ctx.store.idempotencyRecords }),
    sessionRoutes({ sessions: ctx.sessions, agentService: ctx.agentService }),
    workspaceRoutes({ workspaceService: ctx.workspaceService }),
    agentRoutes({ agentService: ctx.agentService, idempotencyRecords: ctx.store.idempotencyRecords }),
    channelRoutes({ channels: ctx.channels, templates: ctx.templates, outbox: ctx.outbox, config: ctx.config, idempotencyRecords: ctx.store.idempotencyRecords }),
    conversationRoutes({
      conversationQueries: ctx.conversationQueries,
      conversationOrganizer: ctx.conversationOrganizer,
      conversationNotes: ctx.conversationNotes,
      conversationDeleter: ctx.conversationDeleter,
      lifecycle: ctx.lifecycle,
      assignment: ctx.assignment,
      transfers: ctx.transfers,
      queuePosition: ctx.queuePosition,
      sender: ctx.sender,
      idempotencyRecords: ctx.store.idempotencyRecords,
    }),
    contactRoutes({ contactService: ctx.contactService, contactMerger: ctx.contactMerger, idempotencyRecords: ctx.store.idempotencyRecords }),
    labelRoutes({ labelService: ctx.labelService, idempotencyRecords: ctx.store.idempotencyRecords }),
    messageRoutes({ messageReader: ctx.messageReader, sender: ctx.sender, idempotencyRecords: ctx.store.idempotencyRecords }),
    queueRoutes({ queueService: ctx.queueService, idempotencyRecords: ctx.store.idempotencyRecords }),
    quarantineRoutes({ quarantine: ctx.quarantine, idempotencyRecords: ctx.store.idempotencyRecords }),
    webhookSubscriptionRoutes({ subscriptionService: ctx.subscriptionService, idempotencyRecords: ctx.store.idempotencyRecords }),
    escalationRoutes({ escalationService: ctx.escalationService, idempotencyRecords: ctx.store.idempotencyRecords }),
    cannedResponseRoutes({ cannedResponses: ctx.cannedResponses, idempotencyRecords: ctx.store.idempotencyRecords }),
    outboundConversationRoutes({ outboundConversations: ctx.outboundConversations, idempotencyRecords: ctx.store.idempotencyRecords }),
    automationRuleRoutes({ ruleService: ctx.ruleService, idempotencyRecords: ctx.store.idempotencyRecords }),
    analyticsRoutes({ analytics: ctx.analytics, clock: ctx.clock }),
    aiAgentRoutes({ aiAgentSettings: ctx.aiAgentSettings, aiAgent: ctx.aiAgent, idempotencyRecords: ctx.store.idempotencyRecords }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
