import { z } from 'zod';
import type { LifecycleActor } from '../conversations/lifecycle-service.js';
import type { TransitionOutcome } from '../conversations/transition-effects.js';
import { HANDOFF_ACTORS, HANDOFF_REASONS } from '../domain/ai-agent.js';
import { ACTION_TYPES, AUTOMATION_TRIGGERS, type ActionOutcome } from '../domain/automation.js';
import { CHANNEL_STATES } from '../domain/channel.js';
import { CONVERSATION_STATUSES } from '../domain/conversation.js';
import { TEMPLATE_STATUSES } from '../domain/template.js';
import { EVENT_TYPES, type EventType } from '../events/outbox.js';
import {
  channelResponse,
  contactMergeResponse,
  contactResponse,
  contactWithIdentitiesResponse,
  conversationResponse,
  csatRatingResponse,
  isoTime,
  messageResponse,
  providerErrorResponse,
  subscriptionResponse,
  templateResponse,
  transcriptMessageResponse,
  transferResponse,
} from './api-schemas.js';
import type { Expect, SameShape } from './same-shape.js';

/**
 * What each event's webhook delivery carries: `{type, timestamp, data}`, `data` as the emitters
 * build it (grep `type: '<event>'` under src/). The OpenAPI document lists them under `webhooks`;
 * `test/openapi.test.ts` checks events a tour of the API stored against them.
 */

const ACTORS = ['agent', 'automation', 'customer', 'timer', 'routing'] as const satisfies readonly LifecycleActor[];
type _EveryActor = Expect<[LifecycleActor] extends [(typeof ACTORS)[number]] ? true : false>;
const actor = z.enum(ACTORS).describe('Who made the change');

const status = z.enum(CONVERSATION_STATUSES);

/** What a status change's effects add: the agent whose slot it freed, the auto-resolve's closing message. */
const transitionOutcome = z.strictObject({
  freedAgentId: z.string().optional(),
  closingMessage: z
    .discriminatedUnion('sent', [
      z.strictObject({ sent: z.literal(true), messageId: z.string() }),
      z.strictObject({ sent: z.literal(false), code: z.string(), message: z.string() }),
    ])
    .optional(),
});
type _TransitionOutcomeMatch = Expect<SameShape<TransitionOutcome, typeof transitionOutcome>>;

const actionOutcome = z.strictObject({
  status: z.enum(['applied', 'refused', 'skipped', 'failed']),
  code: z.string().optional(),
  message: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
type _ActionOutcomeMatch = Expect<SameShape<ActionOutcome, typeof actionOutcome>>;

/** Every event, the data it carries and what it says. */
const EVENTS: { [T in EventType]: { summary: string; data: z.ZodType } } = {
  'conversation.created': { summary: 'A conversation was opened (by a first message or by the business)', data: z.strictObject({ conversation: conversationResponse }) },
  'conversation.updated': {
    summary: 'A conversation changed: its priority, tags, labels, ticket, or its window and activity on a new message',
    data: z.strictObject({ conversation: conversationResponse, changed: z.array(z.string()).optional().describe('The fields changed; absent when a message moved the window and activity') }),
  },
  'conversation.status_changed': {
    summary: 'A conversation moved from one status to another',
    data: z.strictObject({ conversation: conversationResponse, from: status, to: status, actor, ...transitionOutcome.shape }),
  },
  'conversation.assigned': { summary: 'A queued conversation was given to an agent', data: z.strictObject({ conversation: conversationResponse, agentId: z.string(), actor }) },
  'conversation.transferred': {
    summary: 'A conversation was transferred to an agent or a queue',
    data: z.strictObject({ conversation: conversationResponse, transfer: transferResponse, actor }),
  },
  'conversation.deleted': {
    summary: 'A conversation was deleted for good, with its messages and media',
    data: z.strictObject({ conversationId: z.string(), channelId: z.string(), contactId: z.string(), messages: z.number().int(), media: z.number().int() }),
  },
  'conversation.escalated': {
    summary: 'An agent escalated a conversation to the helpdesks; answer with a ticket reference (ticketId) to have it stored',
    data: z.strictObject({
      conversation: conversationResponse,
      contact: contactWithIdentitiesResponse.nullable(),
      transcript: z.array(transcriptMessageResponse).describe('The newest messages, oldest first'),
      transcriptTruncated: z.boolean(),
      transcriptText: z.string(),
      note: z.string().nullable(),
      subscriptionId: z.string().nullable().describe('The one subscription it is aimed at, if any'),
    }),
  },
  'conversation.handed_off': {
    summary: 'The AI agent stopped answering a conversation and handed it to people (Agent replies turned off): why, and by whom; routing follows',
    data: z.strictObject({
      conversation: conversationResponse,
      reason: z.enum(HANDOFF_REASONS),
      actor: z.enum(HANDOFF_ACTORS),
      note: z.string().nullable().describe("The model's or bot's reason, the customer's words, the refusal's code or the failure"),
      period: z.number().int().min(1).describe('Which period of Agent replies it ends: 1 for the first, one more each time they were turned on again'),
    }),
  },
  'contact.updated': { summary: "A contact's fields or attributes changed", data: z.strictObject({ contact: contactResponse, changed: z.array(z.string()) }) },
  'contact.merged': { summary: 'Another contact was merged into this one and removed', data: contactMergeResponse },
  'automation.rule_applied': {
    summary: "An automation rule matched and ran its actions; each action carries its outcome",
    data: z.strictObject({
      rule: z.strictObject({ id: z.string(), name: z.string(), trigger: z.enum(AUTOMATION_TRIGGERS), position: z.number().int() }),
      trigger: z.strictObject({ eventId: z.string(), type: z.enum(EVENT_TYPES) }),
      conversationId: z.string(),
      actions: z.array(z.looseObject({ type: z.enum(ACTION_TYPES), outcome: actionOutcome })),
      automation: z.strictObject({ ruleId: z.string(), eventId: z.string() }),
    }),
  },
  'csat.received': {
    summary: 'A customer rated a conversation',
    data: csatRatingResponse.extend({ agentId: z.string().nullable(), queueId: z.string().nullable(), channelId: z.string() }),
  },
  'webhook_subscription.disabled': {
    summary: 'A webhook subscription was disabled after failing too long (sent to the workspace\'s other subscriptions)',
    data: z.strictObject({ subscription: subscriptionResponse, reason: z.string() }),
  },
  typing: {
    summary: 'An agent is typing. Real-time only: it reaches /v1/realtime and is never delivered to webhooks',
    data: z.strictObject({ conversationId: z.string(), agentId: z.string().nullable() }),
  },
  'message.received': { summary: 'A customer wrote', data: z.strictObject({ message: messageResponse, conversation: conversationResponse }) },
  'message.sent': { summary: 'An outbound message was accepted by the provider (once per send round), or sent from another tool (echo)', data: z.strictObject({ message: messageResponse }) },
  'message.note_added': { summary: 'An agent added an internal note', data: z.strictObject({ message: messageResponse, conversation: conversationResponse }) },
  'message.status_updated': { summary: "An outbound message's delivery status moved on", data: z.strictObject({ message: messageResponse }) },
  'template.status_updated': {
    summary: "The provider changed a template's status; `known: false` when the gateway does not have the template",
    data: z.strictObject({
      template: z.union([
        templateResponse,
        z.strictObject({ channelId: z.string(), name: z.string(), language: z.string(), status: z.enum(TEMPLATE_STATUSES), known: z.literal(false) }),
      ]),
    }),
  },
  'channel.provider_error': { summary: 'The provider reported errors for the channel', data: z.strictObject({ channelId: z.string(), errors: z.array(providerErrorResponse) }) },
  'channel.created': { summary: 'A channel was connected', data: z.strictObject({ channelId: z.string(), channel: channelResponse }) },
  'channel.state_changed': {
    summary: "A mailbox's connection changed state",
    data: z.strictObject({ channelId: z.string(), state: z.enum(CHANNEL_STATES), reason: z.string().nullable() }),
  },
};

/** `message.received` → `MessageReceivedEvent`. */
const componentName = (type: EventType) => `${type.replace(/(^|[._])([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase())}Event`;

const payloadOf = (type: EventType) =>
  z.strictObject({ type: z.literal(type), timestamp: isoTime.describe('When it happened'), data: EVENTS[type].data }).meta({ id: componentName(type), description: EVENTS[type].summary });

/** Each event type's payload, a named component (`MessageReceivedEvent`), with its summary. */
export const WEBHOOK_EVENTS = EVENT_TYPES.map((type) => ({ type, summary: EVENTS[type].summary, payload: payloadOf(type) }));

type Payload = ReturnType<typeof payloadOf>;

/** Any event, told apart by `type`. */
export const webhookEventSchema = z.discriminatedUnion('type', WEBHOOK_EVENTS.map((e) => e.payload) as [Payload, ...Payload[]]).meta({ id: 'WebhookEvent' });
