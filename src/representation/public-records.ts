import type { ChannelDoc } from '../store/models/channel.js';
import type { ContactDoc } from '../store/models/contact.js';
import type { ContactIdentityDoc } from '../store/models/contact-identity.js';
import type { ConversationAiAgent, ConversationDoc, ConversationTransfer } from '../store/models/conversation.js';
import type { QueueDoc } from '../store/models/queue.js';
import type { QuarantinedMailDoc } from '../store/models/quarantined-mail.js';
import type { MessageDoc } from '../store/models/message.js';
import type { TemplateDoc } from '../store/models/template.js';
import type { WebhookDeliveryDoc } from '../store/models/webhook-delivery.js';
import type { WebhookSubscriptionDoc } from '../store/models/webhook-subscription.js';
import type { ReplyWindow } from '../domain/send-policy.js';
import { webhookUrlOf } from './webhook-url.js';

/** The public shapes of stored records: string ids, ISO times, no secrets, no internals. */

const iso = (d: Date | undefined | null) => (d ? d.toISOString() : null);

export function conversationToApi(c: ConversationDoc, window?: ReplyWindow) {
  return {
    id: String(c._id),
    channelId: String(c.channelId),
    contactId: String(c.contactId),
    status: c.status,
    assigneeId: c.assigneeId ? String(c.assigneeId) : null,
    queueId: c.queueId ? String(c.queueId) : null,
    transfers: (c.transfers ?? []).map(transferToApi),
    archived: c.archived === true,
    aiAgent: c.aiAgent ? aiAgentToApi(c.aiAgent) : null,
    tags: c.tags ?? [],
    labelIds: (c.labelIds ?? []).map(String),
    priority: c.priority ?? 'normal',
    unreadCount: c.unreadCount ?? 0,
    lastReadAt: iso(c.lastReadAt),
    firstResponseAt: iso(c.firstResponseAt),
    ticket: c.ticket ? { reference: c.ticket.reference, subscriptionId: String(c.ticket.subscriptionId), at: iso(c.ticket.at) } : null,
    snoozedUntil: iso(c.snoozedUntil),
    resolvedAt: iso(c.resolvedAt),
    closedAt: iso(c.closedAt),
    statusChangedAt: iso(c.statusChangedAt),
    previousConversationId: c.previousConversationId ? String(c.previousConversationId) : null,
    lastInboundAt: iso(c.lastInboundAt),
    lastCustomerMessageAt: iso(c.lastCustomerMessageAt),
    lastMessageAt: iso(c.lastMessageAt),
    ...(window && {
      reply: {
        canReply: window.canReply,
        windowExpiresAt: iso(window.windowExpiresAt),
        otherwise: window.otherwise,
        ...(window.tags && { tags: window.tags.map((t) => ({ tag: t.tag, until: iso(t.until) })) }),
      },
    }),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

function aiAgentToApi(a: ConversationAiAgent) {
  const handoff = a.handoff ? { at: a.handoff.at.toISOString(), reason: a.handoff.reason, actor: a.handoff.actor, note: a.handoff.note ?? null } : null;
  return { replies: a.replies, changedAt: a.changedAt.toISOString(), handoff };
}

export function transferToApi(t: ConversationTransfer) {
  return {
    toAgentId: t.toAgentId ? String(t.toAgentId) : null,
    toQueueId: t.toQueueId ? String(t.toQueueId) : null,
    fromAgentId: t.fromAgentId ? String(t.fromAgentId) : null,
    note: t.note ?? null,
    at: t.at.toISOString(),
  };
}

export function queueToApi(q: QueueDoc) {
  return {
    id: String(q._id),
    name: q.name,
    priority: q.priority,
    rules: q.rules,
    strategy: q.strategy,
    isDefault: q.isDefault,
    agentIds: q.agentIds.map(String),
    redistributeOnOffline: q.redistributeOnOffline,
    createdAt: iso(q.createdAt),
    updatedAt: iso(q.updatedAt),
  };
}

export function messageToApi(m: MessageDoc) {
  return {
    id: String(m._id),
    conversationId: String(m.conversationId),
    channelId: String(m.channelId),
    contactId: String(m.contactId),
    direction: m.direction,
    author: m.author,
    internal: m.internal === true,
    standby: m.standby === true,
    aiAgent: m.aiAgent === true,
    tag: m.tag ?? null,
    type: m.type,
    content: m.content,
    status: m.status,
    providerMessageId: m.providerMessageId ?? null,
    providerTimestamp: iso(m.providerTimestamp),
    replyToProviderMessageId: m.replyToProviderMessageId ?? null,
    referral: m.referral ?? null,
    contactUserId: m.contactUserId ?? null,
    error: m.error ?? null,
    acceptedAt: iso(m.acceptedAt),
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    readAt: iso(m.readAt),
    failedAt: iso(m.failedAt),
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  };
}

/** A held mail without its bytes: who sent it, what it is about, and where it went once released. */
export function quarantinedMailToApi(q: QuarantinedMailDoc) {
  return {
    id: String(q._id),
    channelId: String(q.channelId),
    from: q.from,
    subject: q.subject,
    state: q.state,
    receivedAt: iso(q.receivedAt),
    releasedAt: iso(q.releasedAt),
    conversationId: q.conversationId ? String(q.conversationId) : null,
    messageId: q.messageId ? String(q.messageId) : null,
    createdAt: iso(q.createdAt),
  };
}

export function contactToApi(c: ContactDoc) {
  return {
    id: String(c._id),
    name: c.name ?? null,
    phone: c.phone ?? null,
    email: c.email ?? null,
    attributes: c.attributes,
    createdAt: iso(c.createdAt),
  };
}

/** Who the contact is on one channel. */
export function identityToApi(i: ContactIdentityDoc) {
  return {
    channelId: String(i.channelId),
    externalId: i.externalId,
    phone: i.phone ?? null,
    displayName: i.displayName ?? null,
    username: i.username ?? null,
    userId: i.userId ?? null,
    retiredAt: iso(i.retiredAt),
  };
}

/** `pulled`: the channel's traffic is fetched (a mailbox), so it has no webhook URL. */
export function channelToApi(c: ChannelDoc, publicBaseUrl: string, pulled: boolean) {
  return {
    id: String(c._id),
    type: c.type,
    name: c.name,
    accountId: c.accountId,
    settings: c.settings,
    state: c.state,
    stateReason: c.stateReason ?? null,
    webhookUrl: pulled ? null : webhookUrlOf(publicBaseUrl, c),
    createdAt: iso(c.createdAt),
  };
}

export function templateToApi(t: TemplateDoc) {
  return {
    id: String(t._id),
    channelId: String(t.channelId),
    name: t.name,
    language: t.language,
    category: t.category,
    status: t.status,
    statusReason: t.statusReason ?? null,
    components: t.components,
    source: t.source,
    updatedAt: iso(t.updatedAt),
  };
}

export function subscriptionToApi(s: WebhookSubscriptionDoc) {
  return {
    id: String(s._id),
    url: s.url,
    events: s.events,
    description: s.description ?? null,
    enabled: s.enabled,
    disabledReason: s.disabledReason ?? null,
    disabledAt: iso(s.disabledAt),
    failingSince: iso(s.failingSince),
    lastSuccessAt: iso(s.lastSuccessAt),
    rotationEndsAt: iso(s.rotationEndsAt),
    createdAt: iso(s.createdAt),
  };
}

/** A webhook delivery with every attempt: the delivery log. */
export function deliveryToApi(d: WebhookDeliveryDoc) {
  return {
    id: d._id,
    subscriptionId: String(d.subscriptionId),
    eventId: d.eventId,
    eventType: d.eventType ?? null,
    conversationId: d.conversationId ? String(d.conversationId) : null,
    state: d.state,
    round: d.round ?? 0,
    replayId: d.replayId ?? null,
    nextAttemptAt: iso(d.nextAttemptAt),
    attempts: (d.attempts ?? []).map((a) => ({
      round: a.round ?? 0,
      at: a.at.toISOString(),
      outcome: a.outcome,
      status: a.status ?? null,
      latencyMs: a.latencyMs,
      responseExcerpt: a.responseExcerpt ?? null,
      error: a.error ?? null,
    })),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}
