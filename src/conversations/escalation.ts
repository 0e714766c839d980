import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import { conflict, notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import { conversationToApi } from '../representation/public-records.js';
import { loadTranscript, renderTranscriptText } from './transcript.js';

/** The newest messages an escalation carries; a longer conversation says it was cut. */
const MAX_TRANSCRIPT_MESSAGES = 1000;
const MAX_REFERENCE_CHARS = 200;

/** What an agent asks for: `note` for the helpdesk, `subscriptionId` to aim at one helpdesk (whatever its event filter). */
export interface EscalationInput {
  note?: string;
  subscriptionId?: string;
}

/**
 * Hands a conversation to the helpdesks as `conversation.escalated`, with everything needed to
 * open a ticket: the conversation, the contact and how each channel knows them, the transcript
 * (structured and as text) and the agent's note. Every call is a new escalation (the HTTP route
 * makes a repeated Idempotency-Key replay the first one). `subscriptionId` aims it at one helpdesk.
 */
async function escalateConversation(
  deps: { store: Store; outbox: Outbox },
  conversation: ConversationDoc,
  input: EscalationInput,
): Promise<string> {
  const transcript = await loadTranscript(deps.store, conversation);
  const messages = transcript.messages.slice(-MAX_TRANSCRIPT_MESSAGES);
  return deps.outbox.emit({
    type: 'conversation.escalated',
    workspaceId: conversation.workspaceId,
    key: `${String(conversation._id)}-${String(new Types.ObjectId())}`,
    conversationId: conversation._id,
    data: {
      conversation: transcript.conversation,
      contact: transcript.contact,
      transcript: messages,
      transcriptTruncated: messages.length < transcript.messages.length,
      transcriptText: renderTranscriptText({ ...transcript, messages }),
      note: input.note ?? null,
      subscriptionId: input.subscriptionId ?? null,
    },
  });
}

/** Escalations as the API asks for them: by conversation id, to an enabled subscription if one is named. */
export class EscalationService {
  constructor(private readonly deps: { store: Store; outbox: Outbox }) {}

  /** The id of the `conversation.escalated` event. */
  async escalate(workspaceId: Types.ObjectId, conversationId: string, input: EscalationInput): Promise<string> {
    const { store } = this.deps;
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!conversation) throw notFound('Conversation');
    if (input.subscriptionId) {
      const sub = await store.webhookSubscriptions.findOne({ _id: input.subscriptionId, workspaceId }).lean();
      if (!sub) throw notFound('Webhook subscription');
      if (!sub.enabled) throw conflict('subscription_disabled', 'The webhook subscription is disabled');
    }
    return escalateConversation(this.deps, conversation, input);
  }
}

/**
 * The helpdesk's ticket reference in its answer to an escalation: `ticketId`, `ticket_id`,
 * `reference`, or `ticket.id` / `ticket.reference`, as text or a number. Null for anything else
 * (not JSON, cut short, no reference).
 */
export function ticketReferenceOf(answer: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(answer);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') return null;
  const top = body as Record<string, unknown>;
  const ticket = top.ticket && typeof top.ticket === 'object' ? (top.ticket as Record<string, unknown>) : {};
  for (const value of [top.ticketId, top.ticket_id, top.reference, ticket.id, ticket.reference]) {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
    if (text && text.length <= MAX_REFERENCE_CHARS) return text;
  }
  return null;
}

/**
 * Reads a helpdesk's answer to a delivered event: for an escalation, stores the ticket it opened
 * and says so with `conversation.updated`. The same reference from the same helpdesk changes nothing.
 */
export async function recordTicket(
  deps: { store: Store; outbox: Outbox; clock: Clock },
  answer: { event: Pick<DomainEventDoc, 'workspaceId' | 'conversationId' | 'type'>; subscriptionId: Types.ObjectId; body: string },
): Promise<void> {
  const { event, subscriptionId } = answer;
  if (event.type !== 'conversation.escalated') return;
  const reference = ticketReferenceOf(answer.body);
  if (!reference || !event.conversationId) return;
  const filter = { _id: event.conversationId, workspaceId: event.workspaceId };
  const current = await deps.store.conversations.findOne(filter, { ticket: 1 }).lean();
  if (!current || (current.ticket?.reference === reference && String(current.ticket.subscriptionId) === String(subscriptionId))) return;
  const ticket = { reference, subscriptionId, at: deps.clock.now() };
  const conversation = await deps.store.conversations.findOneAndUpdate(filter, { $set: { ticket } }, { returnDocument: 'after' }).lean();
  if (!conversation) return;
  const ticketKey = createHash('sha256').update(`${String(subscriptionId)}\n${reference}`).digest('hex').slice(0, 16);
  await deps.outbox.emit({
    type: 'conversation.updated',
    workspaceId: event.workspaceId,
    key: `${String(event.conversationId)}-ticket-${ticketKey}`,
    conversationId: event.conversationId,
    data: { conversation: conversationToApi(conversation), changed: ['ticket'] },
  });
}
