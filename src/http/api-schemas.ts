import { z } from 'zod';
import { CSAT_SCORES } from '../analytics/metrics.js';
import { HANDOFF_ACTORS, HANDOFF_REASONS } from '../domain/ai-agent.js';
import { CONVERSATION_STATUSES } from '../domain/conversation.js';
import { DELIVERY_STATUSES } from '../domain/delivery-status.js';
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from '../domain/template.js';
import { MESSAGE_TAGS } from '../domain/channel.js';
import { AGENT_ROLES, AGENT_STATUSES } from '../domain/agent.js';
import { API_KEY_ROLES } from '../domain/api-key.js';
import { CHANNEL_STATES } from '../domain/channel.js';
import { CONVERSATION_PRIORITIES } from '../domain/conversation.js';
import { MESSAGE_AUTHORS, type ProviderErrorInfo } from '../domain/message.js';
import { QUARANTINE_STATES } from '../domain/quarantine.js';
import { ROUTING_STRATEGIES } from '../domain/queue.js';
import { DELIVERY_STATES } from '../domain/webhook-delivery.js';
import type { MergeResult } from '../contacts/contact-merger.js';
import type { Transcript } from '../conversations/transcript.js';
import type { ratingToApi } from '../csat/csat-service.js';
import type {
  channelToApi,
  contactToApi,
  conversationToApi,
  deliveryToApi,
  identityToApi,
  messageToApi,
  queueToApi,
  subscriptionToApi,
  templateToApi,
  transferToApi,
} from '../representation/public-records.js';
import { errorCodes, type ErrorCode } from './error-codes.js';
import type { Expect, SameShape } from './same-shape.js';

/**
 * The public response shapes, matching src/representation/public-records.ts field for field: the
 * OpenAPI document shows them. The two are tied by type at the end of this file (SameShape), so
 * a field one gains or loses without the other fails `npm run typecheck`; and the integration
 * tests validate every real answer against the document, whose objects are closed.
 *
 * A record's `meta({ id })` makes it a named component of the document, referenced wherever it
 * appears. Objects are strict: webhook payloads (src/http/webhook-events.ts) carry the same
 * records as request bodies, where a plain `z.object` would render open and split one record
 * into two components.
 */

const id = z.string().regex(/^[0-9a-f]{24}$/);
/** Times are ISO 8601 strings in UTC (`Date.toISOString()`). */
export const isoTime = z.iso.datetime().meta({ id: 'Timestamp', description: 'An ISO 8601 time in UTC' });
const optionalTime = isoTime.nullable();
/** Free-form JSON objects (settings, attributes, provider payloads). */
const jsonObject = z.record(z.string(), z.unknown());

/** A page of a list: newest first; `nextCursor` is passed back as `cursor` for the next page, null on the last. */
export const pageOf = <T extends z.ZodType>(item: T) => z.strictObject({ data: z.array(item), nextCursor: z.string().nullable() });

/** A whole (unpaginated) list. */
export const listOf = <T extends z.ZodType>(item: T) => z.strictObject({ data: z.array(item) });

export const transferResponse = z.strictObject({
  toAgentId: id.nullable(),
  toQueueId: id.nullable(),
  fromAgentId: id.nullable(),
  note: z.string().nullable(),
  at: isoTime,
}).meta({ id: 'Transfer' });

/** What may be sent now (only where the serializer was given the reply window). */
const replyWindowResponse = z.strictObject({
  canReply: z.boolean(),
  windowExpiresAt: optionalTime,
  otherwise: z.enum(['template', 'tag']).nullable(),
  tags: z.array(z.strictObject({ tag: z.enum(MESSAGE_TAGS), until: optionalTime })).optional(),
}).meta({ id: 'ReplyWindow' });

export const conversationAiAgentResponse = z
  .strictObject({
    replies: z.boolean().describe('Agent replies: the AI agent answers the customer while true'),
    changedAt: isoTime,
    handoff: z
      .strictObject({ at: isoTime, reason: z.enum(HANDOFF_REASONS), actor: z.enum(HANDOFF_ACTORS), note: z.string().nullable() })
      .nullable()
      .describe('The last handoff from the AI agent to people: when and why'),
  })
  .meta({ id: 'ConversationAiAgent' });

export const conversationResponse = z.strictObject({
  id,
  channelId: id,
  contactId: id,
  status: z.enum(CONVERSATION_STATUSES),
  assigneeId: id.nullable(),
  queueId: id.nullable(),
  transfers: z.array(transferResponse),
  archived: z.boolean(),
  aiAgent: conversationAiAgentResponse.nullable().describe('Absent (null) when the AI agent never took part'),
  tags: z.array(z.string()),
  labelIds: z.array(id),
  priority: z.enum(CONVERSATION_PRIORITIES),
  unreadCount: z.number().int().min(0),
  lastReadAt: optionalTime,
  firstResponseAt: optionalTime,
  ticket: z.strictObject({ reference: z.string(), subscriptionId: id, at: optionalTime }).nullable(),
  snoozedUntil: optionalTime,
  resolvedAt: optionalTime,
  closedAt: optionalTime,
  statusChangedAt: optionalTime,
  previousConversationId: id.nullable(),
  lastInboundAt: optionalTime,
  lastCustomerMessageAt: optionalTime,
  lastMessageAt: optionalTime,
  reply: replyWindowResponse.optional(),
  createdAt: optionalTime,
  updatedAt: optionalTime,
}).meta({ id: 'Conversation' });

/** A provider's error as the provider said it; `outcome` where the connector knows what it means for the send. */
export const providerErrorResponse = z
  .strictObject({ code: z.string(), title: z.string(), detail: z.string().optional(), outcome: z.enum(['retry', 'final', 'window_closed']).optional() })
  .meta({ id: 'ProviderError' });

export const messageResponse = z.strictObject({
  id,
  conversationId: id,
  channelId: id,
  contactId: id,
  direction: z.enum(['inbound', 'outbound']),
  author: z.enum(MESSAGE_AUTHORS),
  internal: z.boolean(),
  standby: z.boolean().describe('Received while another app controlled the conversation (Messenger handover protocol): history, never routed or automated'),
  aiAgent: z.boolean().describe('Written by the AI agent (author automation): the conversation shows who answered'),
  tag: z.enum(MESSAGE_TAGS).nullable(),
  type: z.string(),
  /** The normalized content; its fields depend on `type` (text, media, location, template, email, ...). */
  content: z.looseObject({ type: z.string() }),
  status: z.enum([...DELIVERY_STATUSES, 'received']),
  providerMessageId: z.string().nullable(),
  providerTimestamp: optionalTime,
  replyToProviderMessageId: z.string().nullable(),
  referral: jsonObject.nullable(),
  contactUserId: z.string().nullable().describe("Inbound: the sender's user id as the message named it (WhatsApp business-scoped user id)"),
  error: providerErrorResponse.nullable(),
  acceptedAt: optionalTime,
  sentAt: optionalTime,
  deliveredAt: optionalTime,
  readAt: optionalTime,
  failedAt: optionalTime,
  createdAt: optionalTime,
  updatedAt: optionalTime,
}).meta({ id: 'Message' });

/** GET /v1/conversations/{id}: the conversation with its reply window, queue position and latest messages. */
export const conversationDetailResponse = conversationResponse.extend({
  queuePosition: z.number().int().min(1).nullable(),
  messages: pageOf(messageResponse),
}).meta({ id: 'ConversationDetail' });

/** A held mail (GET /v1/quarantine): list or bulk mail waiting for an admin, or released since. */
export const quarantinedMailResponse = z.strictObject({
  id,
  channelId: id,
  from: z.string(),
  subject: z.string(),
  state: z.enum(QUARANTINE_STATES),
  receivedAt: optionalTime,
  releasedAt: optionalTime,
  conversationId: id.nullable(),
  messageId: id.nullable(),
  createdAt: optionalTime,
}).meta({ id: 'QuarantinedMail' });

export const contactResponse = z.strictObject({
  id,
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  attributes: jsonObject,
  createdAt: optionalTime,
}).meta({ id: 'Contact' });

/** Who the contact is on one channel. */
export const identityResponse = z.strictObject({
  channelId: z.string(),
  externalId: z.string(),
  phone: z.string().nullable(),
  displayName: z.string().nullable(),
  username: z.string().nullable(),
  userId: z.string().nullable().describe("The channel's second id for the person (WhatsApp business-scoped user id)"),
  retiredAt: optionalTime.describe('Since when it no longer stands for the contact (WhatsApp: they changed their number); null while it does'),
}).meta({ id: 'ContactIdentity' });

export const channelResponse = z.strictObject({
  id,
  type: z.string(),
  name: z.string(),
  accountId: z.string(),
  settings: jsonObject,
  state: z.enum(CHANNEL_STATES),
  stateReason: z.string().nullable(),
  /** Null for channels whose traffic is fetched (mailboxes). */
  webhookUrl: z.url().nullable(),
  createdAt: optionalTime,
}).meta({ id: 'Channel' });

export const templateResponse = z.strictObject({
  id,
  channelId: id,
  name: z.string(),
  language: z.string(),
  category: z.enum(TEMPLATE_CATEGORIES),
  status: z.enum(TEMPLATE_STATUSES),
  statusReason: z.string().nullable(),
  components: z.array(z.looseObject({ type: z.enum(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']) })),
  source: z.enum(['file', 'provider']),
  updatedAt: optionalTime,
}).meta({ id: 'Template' });

export const agentResponse = z.strictObject({
  id,
  name: z.string(),
  email: z.string(),
  role: z.enum(AGENT_ROLES),
  status: z.enum(AGENT_STATUSES),
  capacity: z.number().int().min(1),
  skills: z.array(z.string()),
  languages: z.array(z.string()),
  teams: z.array(z.string()),
  apiKeyId: id.nullable(),
  /** How many conversations the agent holds now (single-agent answers only). */
  load: z.number().int().min(0).optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
}).meta({ id: 'Agent' });

export const queueResponse = z.strictObject({
  id,
  name: z.string(),
  priority: z.number(),
  rules: jsonObject,
  strategy: z.enum(ROUTING_STRATEGIES),
  isDefault: z.boolean(),
  agentIds: z.array(id),
  redistributeOnOffline: z.boolean(),
  createdAt: optionalTime,
  updatedAt: optionalTime,
});

export const subscriptionResponse = z.strictObject({
  id,
  url: z.url(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  disabledAt: optionalTime,
  failingSince: optionalTime.describe('The first failed attempt since the last success'),
  lastSuccessAt: optionalTime,
  rotationEndsAt: optionalTime.describe('Until then deliveries are signed with the previous secret too'),
  createdAt: optionalTime,
}).meta({ id: 'WebhookSubscription' });

export const deliveryResponse = z.strictObject({
  id: z.string(),
  subscriptionId: id,
  eventId: z.string(),
  eventType: z.string().nullable(),
  conversationId: id.nullable(),
  state: z.enum(DELIVERY_STATES),
  round: z.number(),
  replayId: z.string().nullable(),
  nextAttemptAt: optionalTime,
  attempts: z.array(
    z.strictObject({
      round: z.number(),
      at: isoTime,
      outcome: z.string(),
      status: z.number().nullable(),
      latencyMs: z.number(),
      responseExcerpt: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  createdAt: optionalTime,
  updatedAt: optionalTime,
}).meta({ id: 'WebhookDelivery' });

export const apiKeyResponse = z.strictObject({ id, name: z.string(), role: z.enum(API_KEY_ROLES), prefix: z.string(), revoked: z.boolean() }).meta({ id: 'ApiKey' });

/** A new key: the secret `key` is shown this once. */
export const createdApiKeyResponse = z.strictObject({ id, name: z.string(), role: z.enum(API_KEY_ROLES), prefix: z.string(), key: z.string() }).meta({ id: 'CreatedApiKey' });

/** The workspace with every setting, defaults filled in. */
export const workspaceResponse = z.strictObject({
  id,
  name: z.string(),
  settings: z.strictObject({
    autoResolveAfterHours: z.number(),
    abandonAfterMinutes: z.number(),
    reopenResolved: z.boolean(),
    closingMessage: z.string().nullable(),
    webhookAllowedHosts: z.array(z.string()),
    csat: z.strictObject({ enabled: z.boolean(), message: z.string() }),
  }),
}).meta({ id: 'Workspace' });

export const createdWorkspaceResponse = z.strictObject({ workspace: z.strictObject({ id, name: z.string() }), apiKey: createdApiKeyResponse }).meta({ id: 'CreatedWorkspace' });

export const storedMediaResponse = z.strictObject({ id: z.string(), mimeType: z.string(), size: z.number().int().min(1), filename: z.string().nullable() }).meta({ id: 'StoredMedia' });

export const readinessResponse = z.strictObject({ status: z.enum(['ready', 'not_ready']), mongo: z.boolean(), redis: z.boolean() }).meta({ id: 'Readiness' });

/** A contact with how each channel knows them (its identities). */
export const contactWithIdentitiesResponse = contactResponse.extend({ identities: z.array(identityResponse) }).meta({ id: 'ContactWithIdentities' });

/** GET /v1/contacts/{id}: the contact, its identities and a page of its conversations. */
export const contactDetailResponse = contactWithIdentitiesResponse.extend({ conversations: pageOf(conversationResponse) }).meta({ id: 'ContactDetail' });

/** A merge: the kept contact and what moved to it (the answer and the contact.merged event). */
export const contactMergeResponse = z.strictObject({
  contact: contactResponse,
  mergedContactId: z.string(),
  identities: z.number().int(),
  conversationIds: z.array(z.string()),
  messages: z.number().int(),
  resolvedConversationIds: z.array(z.string()),
}).meta({ id: 'ContactMerge' });

/** One message of a transcript: its words, not its provider details. */
export const transcriptMessageResponse = z.strictObject({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  author: z.string(),
  internal: z.boolean(),
  type: z.string(),
  text: z.string().nullable(),
  caption: z.string().nullable(),
  subject: z.string().nullable(),
  attachments: z.array(z.string()),
  status: z.string(),
  at: isoTime,
  createdAt: isoTime,
}).meta({ id: 'TranscriptMessage' });

/** The whole conversation, oldest message first (the export and the conversation.escalated event). */
export const transcriptResponse = z
  .strictObject({ conversation: conversationResponse, contact: contactWithIdentitiesResponse.nullable(), messages: z.array(transcriptMessageResponse) })
  .meta({ id: 'Transcript' });

/** A customer's rating of a conversation (CSAT). */
export const csatRatingResponse = z.strictObject({
  conversationId: z.string(),
  rating: z.number().int().min(Math.min(...CSAT_SCORES)).max(Math.max(...CSAT_SCORES)),
  comment: z.string().nullable(),
  at: isoTime,
}).meta({ id: 'CsatRating' });

/** Every code an error answer may carry (src/http/error-codes.ts). */
const errorCodeSchema = z.enum(errorCodes).meta({ id: 'ErrorCode' });

/** An error answer whose `code` is one of `codes`. */
export const errorOf = (codes: z.ZodType<string>) => z.strictObject({ error: z.strictObject({ code: codes, message: z.string(), details: z.unknown().optional() }) });

/** Every error answer: a stable machine-readable `code`, a human `message`, optional `details`. */
export const errorResponse = errorOf(errorCodeSchema).meta({ id: 'Error' });

/** The error answer of an operation that refuses with exactly these codes. */
export const errorWith = (codes: readonly [ErrorCode, ...ErrorCode[]]) => errorOf(z.enum(codes));

// Each public record's serializer against its schema (./same-shape.ts).
type _PublicRecordsMatch = [
  Expect<SameShape<ReturnType<typeof conversationToApi>, typeof conversationResponse>>,
  Expect<SameShape<ReturnType<typeof transferToApi>, typeof transferResponse>>,
  Expect<SameShape<ReturnType<typeof queueToApi>, typeof queueResponse>>,
  Expect<SameShape<ReturnType<typeof messageToApi>, typeof messageResponse>>,
  Expect<SameShape<ReturnType<typeof contactToApi>, typeof contactResponse>>,
  Expect<SameShape<ReturnType<typeof identityToApi>, typeof identityResponse>>,
  Expect<SameShape<ReturnType<typeof channelToApi>, typeof channelResponse>>,
  Expect<SameShape<ReturnType<typeof templateToApi>, typeof templateResponse>>,
  Expect<SameShape<ReturnType<typeof subscriptionToApi>, typeof subscriptionResponse>>,
  Expect<SameShape<ReturnType<typeof deliveryToApi>, typeof deliveryResponse>>,
  Expect<SameShape<ProviderErrorInfo, typeof providerErrorResponse>>,
  Expect<SameShape<Transcript, typeof transcriptResponse>>,
  Expect<SameShape<Omit<MergeResult, 'contact'> & { contact: ReturnType<typeof contactToApi> }, typeof contactMergeResponse>>,
  Expect<SameShape<ReturnType<typeof ratingToApi>, typeof csatRatingResponse>>,
];
