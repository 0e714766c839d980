import axios from 'axios';
import { connectFailFast, type RedisClient } from '../redis/connections.js';
import type { Config } from '../../config/schema.js';
import { ConnectorRegistry, type ConnectorEnvironment } from '../../connectors/registry.js';
import { connectorEnvironmentOf } from './connector-environment.js';
import { AnalyticsService } from '../analytics/analytics-service.js';
import { ChannelService } from '../channels/channel-service.js';
import { CsatService } from '../csat/csat-service.js';
import { LifecycleService } from '../conversations/lifecycle-service.js';
import { ConversationTimers } from '../conversations/conversation-timers.js';
import { TransitionEffects } from '../conversations/transition-effects.js';
import { ConversationDeleter } from '../conversations/conversation-deleter.js';
import { ContactMerger } from '../contacts/contact-merger.js';
import { systemClock, type Clock } from '../clock.js';
import { SessionTokens } from '../sessions/session-tokens.js';
import { Outbox } from '../events/outbox.js';
import { WebhookDeliverer } from '../webhooks/deliverer.js';
import { WebhookTargetGuard } from '../webhooks/allowlist.js';
import type { Lookup } from '../webhooks/url-guard.js';
import { EndpointSlots } from '../webhooks/endpoint-slots.js';
import { InboundProcessor } from '../ingest/inbound-processor.js';
import { MessageIngest } from '../ingest/message-ingest.js';
import { PullManager } from '../ingest/pull-manager.js';
import { RawEventRecorder } from '../ingest/raw-event-recorder.js';
import { WebhookReceiver } from '../ingest/webhook-receiver.js';
import { closeQueues, createQueues, type Queues } from '../jobs/queues.js';
import { createLogger, type Logger } from '../logger.js';
import { MediaFetcher } from '../media/media-fetcher.js';
import { MediaLibrary } from '../media/media-library.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { StatusUpdater } from '../messages/status-updater.js';
import { RateLimiter } from '../redis/rate-limiter.js';
import { redisKeys } from '../redis/keys.js';
import { LiveFeedPublisher } from '../live-feed/publisher.js';
import type { RealtimeDeps } from '../realtime/feed-connection.js';
import { ReplayReader } from '../live-feed/replay.js';
import { VisitorSessions } from '../webchat/visitor-sessions.js';
import { VisitorConversations } from '../webchat/visitor-conversations.js';
import { VisitorLimits } from '../webchat/visitor-limits.js';
import { visitorSocketEndpoint } from '../webchat/visitor-socket.js';
import { widgetBundleOnce, type WidgetBundle } from '../webchat/widget-bundle.js';
import { AssignmentService } from '../routing/assignment-service.js';
import { LoadHints } from '../routing/load-hints.js';
import { ConversationRouter } from '../routing/conversation-router.js';
import { OverflowTimers } from '../routing/overflow-timers.js';
import { ConversationTransfers } from '../routing/transfers.js';
import { AgentPresence } from '../routing/presence.js';
import { QueuePosition } from '../routing/queue-position.js';
import { SendService } from '../outbound/send-service.js';
import { SendWorker } from '../outbound/send-worker.js';
import { SecretBox } from '../security/secret-box.js';
import { connectStore, ensureIndexes, type Store } from '../store/index.js';
import { TemplateRegistry } from '../template-registry/template-registry.js';
import { SharedCache } from '../cache/shared-cache.js';
import { createWorkspaceSettings, type WorkspaceSettings } from '../workspaces/workspace-settings.js';
import { createActiveSubscriptions, type ActiveSubscriptions } from '../webhooks/active-subscriptions.js';
import { createEnabledRules, type EnabledRules } from '../automation/enabled-rules.js';
import { createWorkspaceQueues, type WorkspaceQueues } from '../routing/workspace-queues.js';
import { RoundRobinCursors } from '../routing/round-robin-cursors.js';
import { QueueService } from '../routing/queue-service.js';
import { QuarantineService } from '../quarantine/quarantine-service.js';
import { AgentService } from '../agents/agent-service.js';
import { SubscriptionService } from '../webhooks/subscription-service.js';
import { RuleService } from '../automation/rule-service.js';
import { LabelService } from '../conversations/label-service.js';
import { ContactService } from '../contacts/contact-service.js';
import { CannedResponses } from '../canned/canned-responses.js';
import { ApiKeyService } from '../security/api-key-service.js';
import { ConversationQueries } from '../conversations/conversation-queries.js';
import { ConversationOrganizer } from '../conversations/conversation-organizer.js';
import { ConversationNotes } from '../conversations/conversation-notes.js';
import { MessageReader } from '../messages/message-reader.js';
import { WorkspaceService } from '../workspaces/workspace-service.js';
import { EscalationService, recordTicket } from '../conversations/escalation.js';
import { RetentionSweep } from '../retention/retention-sweep.js';
import { EndpointProbe } from '../webhooks/endpoint-probe.js';
import { OutboundConversations } from '../outbound/outbound-conversations.js';
import { AiAgentService } from '../ai-agent/ai-agent-service.js';
import { AiAgentSettings, createAiAgentConfigs } from '../ai-agent/ai-agent-settings.js';

/** The longest a process keeps a cached record if an invalidation notice never reached it. */
const CACHE_TTL_MS = 60_000;

/** Everything the HTTP layer and the workers share, built once per process. */
export interface AppContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  redis: RedisClient;
  queues: Queues;
  /** This process's Prometheus counters and the queue depths read at each scrape. */
  metrics: GatewayMetrics;
  secretBox: SecretBox;
  connectors: ConnectorRegistry;
  channels: ChannelService;
  outbox: Outbox;
  templates: TemplateRegistry;
  statuses: StatusUpdater;
  recorder: RawEventRecorder;
  pull: PullManager;
  receiver: WebhookReceiver;
  inbound: InboundProcessor;
  sender: SendService;
  sendWorker: SendWorker;
  mediaFetcher: MediaFetcher;
  mediaLibrary: MediaLibrary;
  retention: RetentionSweep;
  webhookDeliverer: WebhookDeliverer;
  endpointProbe: EndpointProbe;
  webhookTargets: WebhookTargetGuard;
  lifecycle: LifecycleService;
  conversationTimers: ConversationTimers;
  assignment: AssignmentService;
  router: ConversationRouter;
  overflowTimers: OverflowTimers;
  transfers: ConversationTransfers;
  queuePosition: QueuePosition;
  conversationDeleter: ConversationDeleter;
  contactMerger: ContactMerger;
  liveFeed: LiveFeedPublisher;
  analytics: AnalyticsService;
  csat: CsatService;
  /** Per-process copies of rarely changed records, invalidated across processes. */
  cache: SharedCache;
  workspaceSettings: WorkspaceSettings;
  subscriptions: ActiveSubscriptions;
  rules: EnabledRules;
  workspaceQueues: WorkspaceQueues;
  queueService: QueueService;
  /** Mail held back from conversations (lists, bulk senders), as admins list and release it. */
  quarantine: QuarantineService;
  agentService: AgentService;
  subscriptionService: SubscriptionService;
  ruleService: RuleService;
  labelService: LabelService;
  contactService: ContactService;
  cannedResponses: CannedResponses;
  apiKeyService: ApiKeyService;
  /** Short-lived session tokens standing for API keys (the agent console signs in with one). */
  sessions: SessionTokens;
  conversationQueries: ConversationQueries;
  conversationOrganizer: ConversationOrganizer;
  conversationNotes: ConversationNotes;
  messageReader: MessageReader;
  workspaceService: WorkspaceService;
  escalationService: EscalationService;
  outboundConversations: OutboundConversations;
  /** The web chat: visitors' tokens and identity, their conversations, their limits, the widget's script. */
  visitorSessions: VisitorSessions;
  visitorConversations: VisitorConversations;
  visitorLimits: VisitorLimits;
  widgetBundle: () => Promise<WidgetBundle>;
  /** Agent replies: the AI agent's answers and handoffs, and its configuration as admins set it. */
  aiAgent: AiAgentService;
  aiAgentSettings: AiAgentSettings;
}

export interface ContextOptions {
  clock?: Clock;
  logger?: Logger;
  connectorEnvironment?: ConnectorEnvironment;
  /** Hosts webhook deliveries may reach even though they are private (tests, on-premise helpdesks). */
  webhookAllowedHosts?: string[];
  /** The resolver the webhook address guard checks names with (tests); the system's by default. */
  webhookLookup?: Lookup;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const store = await connectStore(config.MONGODB_URI, clock);
  await ensureIndexes(store);
  // Fails fast while Redis is away (requests answer 503); workers get their own waiting connection.
  const redis = await connectFailFast(config.REDIS_URL, logger);
  const queues = createQueues(redis, config.QUEUE_PREFIX, logger);
  const metrics = new GatewayMetrics(queues);
  const secretBox = new SecretBox(config.OMNIGATE_ENCRYPTION_KEY, config.OMNIGATE_PREVIOUS_ENCRYPTION_KEYS);
  const cache = new SharedCache({ redis, channel: redisKeys(config.QUEUE_PREFIX).cacheInvalidations, ttlMs: CACHE_TTL_MS });
  await cache.start();
  const workspaceSettings = createWorkspaceSettings(store, cache);
  const connectors = new ConnectorRegistry(options.connectorEnvironment ?? connectorEnvironmentOf(config, logger));
  const channels = new ChannelService(store, connectors, secretBox, config.PUBLIC_BASE_URL, cache);
  const outbox = new Outbox(store, queues, clock, logger);
  const templates = new TemplateRegistry(store, outbox);
  const statuses = new StatusUpdater(store, outbox, clock);
  // Built before the transition effects, which send the auto-resolve closing message through it.
  const sender = new SendService({
    store,
    queues,
    channels,
    templates,
    clock,
    sendAttempts: config.SEND_ATTEMPTS,
    sendBackoffMs: config.SEND_BACKOFF_MS,
  });
  const loads = new LoadHints(redis, config.QUEUE_PREFIX);
  const conversationTimers = new ConversationTimers({ store, queues, clock, logger, workspaceSettings });
  const liveFeed = new LiveFeedPublisher({ redis, store, keyPrefix: config.QUEUE_PREFIX });
  const effects = new TransitionEffects({ store, loads, sender, logger, workspaceSettings });
  const lifecycle = new LifecycleService({ store, outbox, clock, connectors, workspaceSettings, timers: conversationTimers, effects });
  const ingest = new MessageIngest(store, queues, outbox, lifecycle);
  const recorder = new RawEventRecorder(store, queues, clock);
  const receiver = new WebhookReceiver(recorder, channels, clock);
  const limiter = new RateLimiter(redis, config.QUEUE_PREFIX);
  const visitorSessions = new VisitorSessions({ store, channels, clock });
  const assignment = new AssignmentService({ store, lifecycle, loads, clock, logger });
  const webhookTargets = new WebhookTargetGuard(workspaceSettings, options.webhookAllowedHosts ?? config.WEBHOOK_ALLOWED_HOSTS, options.webhookLookup);
  const subscriptions = createActiveSubscriptions(store, cache);
  const workspaceQueues = createWorkspaceQueues(store, cache);
  const cursors = new RoundRobinCursors(redis, config.QUEUE_PREFIX);
  const overflowTimers = new OverflowTimers({ queues, clock });
  const router = new ConversationRouter({ store, assignment, loads, cursors, workspaceQueues, overflowTimers, clock });
  const transfers = new ConversationTransfers({ store, assignment, router, outbox, clock, logger });
  const rules = createEnabledRules(store, cache);
  const aiAgentConfigs = createAiAgentConfigs(store, cache);
  const webhookDeliverer = new WebhookDeliverer({
    store,
    queues,
    outbox,
    secretBox,
    http: axios.create(),
    clock,
    logger,
    slots: new EndpointSlots(redis, config.QUEUE_PREFIX, config.WEBHOOK_MAX_IN_FLIGHT),
    targets: webhookTargets,
    subscriptions,
    metrics,
    disableAfterDays: config.WEBHOOK_DISABLE_AFTER_DAYS,
    onAnswered: (answer) => recordTicket({ store, outbox, clock }, answer),
  });
  return {
    cache,
    workspaceSettings,
    subscriptions,
    rules,
    workspaceQueues,
    webhookTargets,
    config,
    logger,
    clock,
    store,
    redis,
    queues,
    metrics,
    secretBox,
    connectors,
    channels,
    outbox,
    templates,
    statuses,
    recorder,
    lifecycle,
    conversationTimers,
    assignment,
    router,
    overflowTimers,
    transfers,
    queuePosition: new QueuePosition({ store }),
    queueService: new QueueService({ store, router, workspaceQueues }),
    quarantine: new QuarantineService({ store, channels, ingest, clock }),
    agentService: new AgentService({ store, presence: new AgentPresence({ store, assignment, router, workspaceQueues }), workspaceQueues }),
    subscriptionService: new SubscriptionService({
      store,
      queues,
      redis,
      keyPrefix: config.QUEUE_PREFIX,
      subscriptions,
      targets: webhookTargets,
      secretBox,
      deliverer: webhookDeliverer,
      clock,
      secretRotationHours: config.WEBHOOK_SECRET_ROTATION_HOURS,
    }),
    ruleService: new RuleService({ store, rules, targets: webhookTargets, secretBox }),
    labelService: new LabelService({ store }),
    contactService: new ContactService({ store, outbox }),
    cannedResponses: new CannedResponses({ store, sender }),
    apiKeyService: new ApiKeyService({ store, clock }),
    sessions: new SessionTokens({ redis, keyPrefix: config.QUEUE_PREFIX }),
    conversationQueries: new ConversationQueries({ store, connectors, clock }),
    conversationOrganizer: new ConversationOrganizer({ store, outbox, clock }),
    conversationNotes: new ConversationNotes({ store, outbox }),
    messageReader: new MessageReader({ store }),
    workspaceService: new WorkspaceService({ store, workspaceSettings }),
    escalationService: new EscalationService({ store, outbox }),
    outboundConversations: new OutboundConversations({ store, channels, templates, clock, sender }),
    contactMerger: new ContactMerger({ store, lifecycle, outbox, clock }),
    liveFeed,
    conversationDeleter: new ConversationDeleter({ store, outbox, timers: conversationTimers, liveFeed }),
    analytics: new AnalyticsService({ store, clock }),
    csat: new CsatService({ store, channels, templates, sender, outbox, clock, publicBaseUrl: config.PUBLIC_BASE_URL, workspaceSettings }),
    pull: new PullManager({ store, channels, recorder, outbox, redis, keyPrefix: config.QUEUE_PREFIX, logger }),
    receiver,
    visitorSessions,
    visitorConversations: new VisitorConversations({ store, sessions: visitorSessions, receiver, replay: new ReplayReader(redis), keyPrefix: config.QUEUE_PREFIX, clock }),
    visitorLimits: new VisitorLimits({
      limiter,
      perIpPerMinute: config.WEBCHAT_IP_PER_MINUTE,
      perVisitorPerMinute: config.WEBCHAT_VISITOR_PER_MINUTE,
      uploadsPerIpPerMinute: config.WEBCHAT_UPLOADS_PER_IP_PER_MINUTE,
    }),
    widgetBundle: widgetBundleOnce(),
    inbound: new InboundProcessor({ store, channels, ingest, statuses, templates, outbox, clock, logger, metrics }),
    sender,
    sendWorker: new SendWorker({
      store,
      channels,
      templates,
      statuses,
      limiter,
      redis,
      keyPrefix: config.QUEUE_PREFIX,
      clock,
      logger,
      metrics,
    }),
    mediaFetcher: new MediaFetcher({ store, channels, logger }),
    mediaLibrary: new MediaLibrary({ store }),
    retention: new RetentionSweep({
      store,
      clock,
      logger,
      limits: { rawEventDays: config.RAW_EVENT_RETENTION_DAYS, idempotencyHours: config.IDEMPOTENCY_RETENTION_HOURS, deliveryLogDays: config.DELIVERY_LOG_RETENTION_DAYS },
    }),
    webhookDeliverer,
    aiAgent: new AiAgentService({
      store,
      channels,
      queues,
      outbox,
      sender,
      configs: aiAgentConfigs,
      secretBox,
      targets: webhookTargets,
      http: axios.create(),
      clock,
      logger,
      timeoutMs: config.AI_AGENT_TIMEOUT_MS,
      botAnswerMs: config.AI_AGENT_BOT_ANSWER_MS,
      attempts: config.AI_AGENT_ATTEMPTS,
      backoffMs: config.AI_AGENT_BACKOFF_MS,
    }),
    aiAgentSettings: new AiAgentSettings({ store, configs: aiAgentConfigs, secretBox, targets: webhookTargets }),
    endpointProbe: new EndpointProbe({ store, queues, clock, logger, everyMs: config.WEBHOOK_PROBE_SECONDS * 1000 }),
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.cache.stop();
  await closeQueues(ctx.queues);
  await ctx.redis.quit().catch(() => ctx.redis.disconnect());
  await ctx.store.connection.close();
}

/** What the WebSocket endpoint needs of the process (src/realtime/server.ts). */
export function realtimeDepsOf(ctx: AppContext): RealtimeDeps {
  const { config } = ctx;
  return {
    store: ctx.store,
    redis: ctx.redis,
    clock: ctx.clock,
    logger: ctx.logger,
    keyPrefix: config.QUEUE_PREFIX,
    liveFeed: ctx.liveFeed,
    sessions: ctx.sessions,
    allowedOrigins: [...config.CORS_ORIGINS, new URL(config.PUBLIC_BASE_URL).origin],
    endpoints: [visitorSocketEndpoint(ctx.visitorSessions, ctx.visitorLimits)],
  };
}
