import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app/context.js';
import { authenticate } from './auth.js';
import { rateLimitPerKey } from './rate-limit.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { buildOpenApiDocument } from './openapi.js';
import { adminRoutes } from './routes/admin.js';
import { agentRoutes } from './routes/agents.js';
import { automationRuleRoutes } from './routes/automation-rules.js';
import { cannedResponseRoutes } from './routes/canned-responses.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { channelRoutes } from './routes/channels.js';
import { conversationRoutes } from './routes/conversations.js';
import { contactRoutes } from './routes/contacts.js';
import { labelRoutes } from './routes/labels.js';
import { csatRoutes } from './routes/csat.js';
import { analyticsRoutes } from './routes/analytics.js';
import { mediaRoutes } from './routes/media.js';
import { messageRoutes } from './routes/messages.js';
import { queueRoutes } from './routes/queues.js';
import { outboundConversationRoutes } from './routes/outbound-conversations.js';
import { webhookRoutes } from './routes/webhooks.js';
import { workspaceRoutes } from './routes/workspace.js';
import { webhookSubscriptionRoutes } from './routes/webhook-subscriptions.js';
import { escalationRoutes } from './routes/escalations.js';

export function createHttpApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // Provider webhooks come first: they are the hot path and are not logged per request (the
  // raw_events collection is their record; failures are logged by the error handler).
  app.use('/webhooks', webhookRoutes(ctx));
  // Customers' rating links: public (the token is the credential) and, like webhooks, not logged
  // per request, since their URL carries the token.
  app.use('/csat', csatRoutes({ csat: ctx.csat, idempotencyRecords: ctx.store.idempotencyRecords }));
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [mongo, redis] = await Promise.all([
      ctx.store.connection.db?.admin().ping().then(() => true, () => false) ?? false,
      ctx.redis.ping().then(() => true, () => false),
    ]);
    res.status(mongo && redis ? 200 : 503).json({ status: mongo && redis ? 'ready' : 'not_ready', mongo, redis });
  });
  const openapi = buildOpenApiDocument(ctx.config.PUBLIC_BASE_URL);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.use('/v1/admin', express.json({ limit: ctx.config.MAX_BODY_BYTES }), adminRoutes(ctx));
  app.use('/v1', authenticate(ctx));
  app.use('/v1', rateLimitPerKey(ctx)); // per API key; the admin API above and provider webhooks are not limited
  app.use('/v1', mediaRoutes(ctx)); // before the JSON parser: media bodies are raw bytes
  app.use(
    '/v1',
    express.json({ limit: ctx.config.MAX_BODY_BYTES }),
    apiKeyRoutes({ apiKeyService: ctx.apiKeyService, idempotencyRecords: ctx.store.idempotencyRecords }),
    workspaceRoutes({ workspaceService: ctx.workspaceService }),
    agentRoutes({ agentService: ctx.agentService, idempotencyRecords: ctx.store.idempotencyRecords }),
    channelRoutes(ctx),
    conversationRoutes({
      conversationQueries: ctx.conversationQueries,
      conversationOrganizer: ctx.conversationOrganizer,
      conversationNotes: ctx.conversationNotes,
      conversationDeleter: ctx.conversationDeleter,
      lifecycle: ctx.lifecycle,
      assignment: ctx.assignment,
      conversationRouter: ctx.router,
      sender: ctx.sender,
      idempotencyRecords: ctx.store.idempotencyRecords,
    }),
    contactRoutes({ contactService: ctx.contactService, contactMerger: ctx.contactMerger, idempotencyRecords: ctx.store.idempotencyRecords }),
    labelRoutes({ labelService: ctx.labelService, idempotencyRecords: ctx.store.idempotencyRecords }),
    messageRoutes({ messageReader: ctx.messageReader, sender: ctx.sender, idempotencyRecords: ctx.store.idempotencyRecords }),
    queueRoutes({ queueService: ctx.queueService, idempotencyRecords: ctx.store.idempotencyRecords }),
    webhookSubscriptionRoutes({ subscriptionService: ctx.subscriptionService, idempotencyRecords: ctx.store.idempotencyRecords }),
    escalationRoutes({ escalationService: ctx.escalationService, idempotencyRecords: ctx.store.idempotencyRecords }),
    cannedResponseRoutes({ cannedResponses: ctx.cannedResponses, idempotencyRecords: ctx.store.idempotencyRecords }),
    outboundConversationRoutes({ outboundConversations: ctx.outboundConversations, idempotencyRecords: ctx.store.idempotencyRecords }),
    automationRuleRoutes({ ruleService: ctx.ruleService, idempotencyRecords: ctx.store.idempotencyRecords }),
    analyticsRoutes({ analytics: ctx.analytics, clock: ctx.clock }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
