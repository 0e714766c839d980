import mongoose, { type Connection, type Model, type Schema } from 'mongoose';
import type { Clock } from '../clock.js';
import { aiAgentConfigSchema, type AiAgentConfigDoc } from './models/ai-agent-config.js';
import { agentSlotSchema, type AgentSlotDoc } from './models/agent-slot.js';
import { agentSchema, type AgentDoc } from './models/agent.js';
import { automationRuleSchema, type AutomationRuleDoc } from './models/automation-rule.js';
import { automationRunSchema, type AutomationRunDoc } from './models/automation-run.js';
import { cannedResponseSchema, type CannedResponseDoc } from './models/canned-response.js';
import { csatRatingSchema, type CsatRatingDoc } from './models/csat-rating.js';
import { csatRequestSchema, type CsatRequestDoc } from './models/csat-request.js';
import { apiKeySchema, type ApiKeyDoc } from './models/api-key.js';
import { channelSchema, type ChannelDoc } from './models/channel.js';
import { contactIdentitySchema, type ContactIdentityDoc } from './models/contact-identity.js';
import { contactSchema, type ContactDoc } from './models/contact.js';
import { conversationSchema, type ConversationDoc } from './models/conversation.js';
import { labelSchema, type LabelDoc } from './models/label.js';
import { contactMergeSchema, type ContactMergeDoc } from './models/contact-merge.js';
import { conversationTransitionSchema, type ConversationTransitionDoc } from './models/conversation-transition.js';
import { domainEventSchema, type DomainEventDoc } from './models/domain-event.js';
import { earlyStatusSchema, type EarlyStatusDoc } from './models/early-status.js';
import { idempotencyRecordSchema, type IdempotencyRecordDoc } from './models/idempotency-record.js';
import { messageSchema, type MessageDoc } from './models/message.js';
import { messageTransitionSchema, type MessageTransitionDoc } from './models/message-transition.js';
import { queueSchema, type QueueDoc } from './models/queue.js';
import { quarantinedMailSchema, type QuarantinedMailDoc } from './models/quarantined-mail.js';
import { rawEventSchema, type RawEventDoc } from './models/raw-event.js';
import { templateSchema, type TemplateDoc } from './models/template.js';
import { webhookDeliverySchema, type WebhookDeliveryDoc } from './models/webhook-delivery.js';
import { webhookSubscriptionSchema, type WebhookSubscriptionDoc } from './models/webhook-subscription.js';
import { MediaStore } from './media-store.js';
import { workspaceSchema, type WorkspaceDoc } from './models/workspace.js';

export interface Store {
  connection: Connection;
  workspaces: Model<WorkspaceDoc>;
  apiKeys: Model<ApiKeyDoc>;
  channels: Model<ChannelDoc>;
  contacts: Model<ContactDoc>;
  contactIdentities: Model<ContactIdentityDoc>;
  conversations: Model<ConversationDoc>;
  messages: Model<MessageDoc>;
  rawEvents: Model<RawEventDoc>;
  quarantinedMail: Model<QuarantinedMailDoc>;
  templates: Model<TemplateDoc>;
  events: Model<DomainEventDoc>;
  webhookSubscriptions: Model<WebhookSubscriptionDoc>;
  webhookDeliveries: Model<WebhookDeliveryDoc>;
  idempotencyRecords: Model<IdempotencyRecordDoc>;
  earlyStatuses: Model<EarlyStatusDoc>;
  conversationTransitions: Model<ConversationTransitionDoc>;
  messageTransitions: Model<MessageTransitionDoc>;
  agents: Model<AgentDoc>;
  agentSlots: Model<AgentSlotDoc>;
  routingQueues: Model<QueueDoc>;
  cannedResponses: Model<CannedResponseDoc>;
  labels: Model<LabelDoc>;
  contactMerges: Model<ContactMergeDoc>;
  automationRules: Model<AutomationRuleDoc>;
  automationRuns: Model<AutomationRunDoc>;
  csatRequests: Model<CsatRequestDoc>;
  csatRatings: Model<CsatRatingDoc>;
  aiAgentConfigs: Model<AiAgentConfigDoc>;
  media: MediaStore;
}

/**
 * Registers every model on one connection. Timestamps come from the injected clock; indexes are
 * created explicitly at start (ensureIndexes), since correctness depends on the unique ones.
 */
export function createStore(connection: Connection, clock: Clock): Store {
  const model = <T>(name: string, collection: string, schema: Schema<T>): Model<T> => {
    if (schema.get('timestamps') !== false) schema.set('timestamps', { currentTime: () => clock.now() });
    schema.set('autoIndex', false);
    schema.set('autoCreate', false);
    return connection.model<T>(name, schema, collection);
  };
  return {
    connection,
    workspaces: model('Workspace', 'workspaces', workspaceSchema.clone()),
    apiKeys: model('ApiKey', 'api_keys', apiKeySchema.clone()),
    channels: model('Channel', 'channels', channelSchema.clone()),
    contacts: model('Contact', 'contacts', contactSchema.clone()),
    contactIdentities: model('ContactIdentity', 'contact_identities', contactIdentitySchema.clone()),
    conversations: model('Conversation', 'conversations', conversationSchema.clone()),
    messages: model('Message', 'messages', messageSchema.clone()),
    rawEvents: model('RawEvent', 'raw_events', rawEventSchema.clone()),
    quarantinedMail: model('QuarantinedMail', 'quarantined_mail', quarantinedMailSchema.clone()),
    templates: model('Template', 'templates', templateSchema.clone()),
    events: model('DomainEvent', 'events', domainEventSchema.clone()),
    webhookSubscriptions: model('WebhookSubscription', 'webhook_subscriptions', webhookSubscriptionSchema.clone()),
    webhookDeliveries: model('WebhookDelivery', 'webhook_deliveries', webhookDeliverySchema.clone()),
    idempotencyRecords: model('IdempotencyRecord', 'idempotency_records', idempotencyRecordSchema.clone()),
    earlyStatuses: model('EarlyStatus', 'early_statuses', earlyStatusSchema.clone()),
    conversationTransitions: model('ConversationTransition', 'conversation_transitions', conversationTransitionSchema.clone()),
    messageTransitions: model('MessageTransition', 'message_transitions', messageTransitionSchema.clone()),
    agents: model('Agent', 'agents', agentSchema.clone()),
    agentSlots: model('AgentSlot', 'agent_slots', agentSlotSchema.clone()),
    routingQueues: model('Queue', 'queues', queueSchema.clone()),
    cannedResponses: model('CannedResponse', 'canned_responses', cannedResponseSchema.clone()),
    labels: model('Label', 'labels', labelSchema.clone()),
    contactMerges: model('ContactMerge', 'contact_merges', contactMergeSchema.clone()),
    automationRules: model('AutomationRule', 'automation_rules', automationRuleSchema.clone()),
    automationRuns: model('AutomationRun', 'automation_runs', automationRunSchema.clone()),
    csatRequests: model('CsatRequest', 'csat_requests', csatRequestSchema.clone()),
    csatRatings: model('CsatRating', 'csat_ratings', csatRatingSchema.clone()),
    aiAgentConfigs: model('AiAgentConfig', 'ai_agent_configs', aiAgentConfigSchema.clone()),
    media: new MediaStore(connection),
  };
}

export async function connectStore(uri: string, clock: Clock): Promise<Store> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  return createStore(connection, clock);
}

/** Creates collections and indexes; unique indexes must exist before any traffic is accepted. */
export async function ensureIndexes(store: Store): Promise<void> {
  for (const m of Object.values(store)) {
    if (typeof m === 'function' && 'createIndexes' in m) await ensureCollection(m as Model<unknown>);
  }
}

/** One collection and its indexes, for a process that writes only a few (the CLI). */
export async function ensureCollection(model: Model<unknown>): Promise<void> {
  await model.createCollection().catch((err: { code?: number }) => {
    if (err.code !== 48) throw err; // 48: already exists
  });
  await model.createIndexes();
}
