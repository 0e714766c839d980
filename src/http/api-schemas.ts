import { z } from 'zod';
import { CONVERSATION_STATUSES } from '../domain/conversation.js';
import { DELIVERY_STATUSES } from '../domain/delivery-status.js';
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from '../domain/template.js';
import { MESSAGE_TAGS } from '../domain/channel.js';
import { AGENT_ROLES, AGENT_STATUSES } from '../domain/agent.js';
import { API_KEY_ROLES } from '../domain/api-key.js';
import { CHANNEL_STATES } from '../domain/channel.js';
import { CONVERSATION_PRIORITIES } from '../domain/conversation.js';
import { MESSAGE_AUTHORS } from '../domain/message.js';
import { QUARANTINE_STATES } from '../domain/quarantine.js';
import { ROUTING_STRATEGIES } from '../domain/queue.js';
import { DELIVERY_STATES } from '../domain/webhook-delivery.js';
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
import type { Expect, SameShape } from './same-shape.js';

/**
 * The public response shapes, matching src/representation/public-records.ts field for field: the
 * OpenAPI document shows them. The two are tied by type at the end of this file (SameShape), so
 * a field one gains or loses without the other fails `npm run typecheck`; and the integration
 * tests validate every real answer against the document, whose objects are closed.
 */

const id = z.string().regex(/^[0-9a-f]{24}$/);
/** Times are ISO 8601 strings in UTC (`Date.toISOString()`). */
export const isoTime = z.iso.datetime();
const optionalTime = isoTime.nullable();
/** Free-form JSON objects (settings, attributes, provider payloads). */
const jsonObject = z.record(z.string(), z.unknown());

/** A page of a list: newest first; `nextCursor` is passed back as `cursor` for the next page, null on the last. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** A whole (unpaginated) list. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

export const transferResponse = z.object({
  toAgentId: id.nullable(),
  toQueueId: id.nullable(),
  fromAgentId: id.nullable(),
  note: z.string().nullable(),
  at: isoTime,
});

/** What may be sent now (only where the serializer was given the reply window). */
export const replyWindowResponse = z.object({
  canReply: z.boolean(),
  windowExpiresAt: optionalTime,
  otherwise: z.enum(['template', 'tag']).nullable(),
  tags: z.array(z.object({ tag: z.enum(MESSAGE_TAGS), until: optionalTime })).optional(),
});

export const conversationResponse = z.object({
  id,
  channelId: id,
  contactId: id,
  status: z.enum(CONVERSATION_STATUSES),
  assigneeId: id.nullable(),
  queueId: id.nullable(),
  transfers: z.array(transferResponse),
  archived: z.boolean(),
  tags: z.array(z.string()),
  labelIds: z.array(id),
  priority: z.enum(CONVERSATION_PRIORITIES),
  unreadCount: z.number().int().min(0),
  lastReadAt: optionalTime,
  firstResponseAt: optionalTime,
  ticket: z.object({ reference: z.string(), subscriptionId: id, at: optionalTime }).nullable(),
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
});

export const messageResponse = z.object({
  id,
  conversationId: id,
  channelId: id,
  contactId: id,
  direction: z.enum(['inbound', 'outbound']),
  author: z.enum(MESSAGE_AUTHORS),
  internal: z.boolean(),
  standby: z.boolean().describe('Received while another app controlled the conversation (Messenger handover protocol): history, never routed or automated'),
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
  error: z
    .object({ code: z.string(), title: z.string(), detail: z.string().optional(), outcome: z.enum(['retry', 'final', 'window_closed']).optional() })
    .nullable(),
  acceptedAt: optionalTime,
  sentAt: optionalTime,
  deliveredAt: optionalTime,
  readAt: optionalTime,
  failedAt: optionalTime,
  createdAt: optionalTime,
  updatedAt: optionalTime,
});

/** GET /v1/conversations/{id}: the conversation with its reply window, queue position and latest messages. */
export const conversationDetailResponse = conversationResponse.extend({
  queuePosition: z.number().int().min(1).nullable(),
  messages: pageOf(messageResponse),
});

/** A held mail (GET /v1/quarantine): list or bulk mail waiting for an admin, or released since. */
export const quarantinedMailResponse = z.object({
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
});

export const contactResponse = z.object({
  id,
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  attributes: jsonObject,
  createdAt: optionalTime,
});

/** Who the contact is on one channel. */
export const identityResponse = z.object({
  channelId: z.string(),
  externalId: z.string(),
  phone: z.string().nullable(),
  displayName: z.string().nullable(),
  username: z.string().nullable(),
  userId: z.string().nullable().describe("The channel's second id for the person (WhatsApp business-scoped user id)"),
  retiredAt: optionalTime.describe('Since when it no longer stands for the contact (WhatsApp: they changed their number); null while it does'),
});

export const channelResponse = z.object({
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
});

export const templateResponse = z.object({
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
});

export const agentResponse = z.object({
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
});

export const queueResponse = z.object({
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

export const subscriptionResponse = z.object({
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
});

export const deliveryResponse = z.object({
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
    z.object({
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
});

export const apiKeyResponse = z.object({ id, name: z.string(), role: z.enum(API_KEY_ROLES), prefix: z.string(), revoked: z.boolean() });

/** A new key: the secret `key` is shown this once. */
export const createdApiKeyResponse = z.object({ id, name: z.string(), role: z.enum(API_KEY_ROLES), prefix: z.string(), key: z.string() });

/** The workspace with every setting, defaults filled in. */
export const workspaceResponse = z.object({
  id,
  name: z.string(),
  settings: z.object({
    autoResolveAfterHours: z.number(),
    abandonAfterMinutes: z.number(),
    reopenResolved: z.boolean(),
    closingMessage: z.string().nullable(),
    webhookAllowedHosts: z.array(z.string()),
    csat: z.object({ enabled: z.boolean(), message: z.string() }),
  }),
});

export const createdWorkspaceResponse = z.object({ workspace: z.object({ id, name: z.string() }), apiKey: createdApiKeyResponse });

export const storedMediaResponse = z.object({ id: z.string(), mimeType: z.string(), size: z.number().int().min(1), filename: z.string().nullable() });

export const readinessResponse = z.object({ status: z.enum(['ready', 'not_ready']), mongo: z.boolean(), redis: z.boolean() });

/** Every error answer: a stable machine-readable `code`, a human `message`, optional `details`. */
export const errorResponse = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

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
];
