import type { AppContext } from './context.js';
import { runAutomation } from '../automation/automation-service.js';
import { isOpen, type ConversationStatus } from '../domain/conversation.js';
import { isHistoryOnly, startsWorkForPeople, type MessageContent } from '../domain/message.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';

/**
 * What the gateway itself does when the domain events of one change have been stored, after
 * their webhook fan-out, in their order. Runs in the events worker, off the ingest path; every
 * reaction must be safe to repeat, since a job re-run after a crash delivers the same events again.
 */
export async function reactToEvents(ctx: AppContext, events: DomainEventDoc[]): Promise<void> {
  // The queue routing gave a new conversation reaches the real-time entries of its later events.
  const queueOf = new Map<string, string>();
  const unrouted = openedWithoutWork(events);
  for (const event of events) {
    const known = event.conversationId && queueOf.get(String(event.conversationId));
    const routedTo = await reactToEvent(ctx, event, known ? { queueId: known } : {}, unrouted);
    if (routedTo && event.conversationId) queueOf.set(String(event.conversationId), routedTo);
  }
}

/**
 * The conversations this change opened with a message that starts no work for people (automatic
 * mail): ingest announces a new conversation and its first message together.
 */
function openedWithoutWork(events: DomainEventDoc[]): Set<string> {
  const received = events.filter((e) => e.type === 'message.received' && e.conversationId);
  const opening = received.filter((e) => !startsWorkForPeople(e.data.message as { standby?: boolean; content: MessageContent }));
  return new Set(opening.map((e) => String(e.conversationId)));
}

/** Returns the queue a new conversation was routed to, if it was. */
async function reactToEvent(ctx: AppContext, event: DomainEventDoc, known: { queueId?: string }, unrouted: Set<string>): Promise<string | undefined> {
  // A new pull-based channel (a mailbox) starts being watched by a worker.
  if (event.type === 'channel.created') {
    const channel = await ctx.store.channels.findById(event.data.channelId).lean();
    if (channel) await ctx.pull.ensure(channel);
  }
  // Real-time clients first: automation may wait on a rule's webhook call (up to 10 s). A new
  // conversation is the exception: its queue subscribers need the queue routing gives it.
  const created = event.type === 'conversation.created';
  if (!created) await ctx.liveFeed.publish(event, known);
  const work = setsOffWork(event);
  // Automation rules of the event's trigger; before routing, so a rule's assignment decides first.
  if (work) await runAutomation(ctx, event);
  // Agent replies: switched on for a new conversation (which routing then leaves to the AI agent),
  // a customer message answered, a person taking over.
  if (work) await ctx.aiAgent.react(event);
  // Handed from the AI agent to people: routed as any queued conversation.
  if (event.type === 'conversation.handed_off' && event.conversationId) {
    await ctx.aiAgent.handedOff(event);
    await ctx.router.route(event.workspaceId, event.conversationId);
  }
  // Routing: a new conversation gets its queue and maybe an agent; one automatic mail opened waits
  // for people to look (a rule asking for automatic messages may still move it).
  const routes = work && created && !unrouted.has(String(event.conversationId));
  const routed = routes && event.conversationId ? await ctx.router.route(event.workspaceId, event.conversationId) : null;
  // Queued again: routed again; a freed slot: its agent takes waiting work.
  if (event.type === 'conversation.status_changed' && event.conversationId) await ctx.router.statusChanged(event.workspaceId, event.conversationId, event.data);
  // Resolved: the customer is asked for a rating, once per resolution, if the workspace wants it.
  if (event.type === 'conversation.status_changed' && event.data.to === 'resolved') await ctx.csat.requestAfterResolution(event);
  const queueId = routed?.queueId ? String(routed.queueId) : known.queueId;
  if (created) await ctx.liveFeed.publish(event, { ...(queueId && { queueId }) });
  return routed?.queueId ? String(routed.queueId) : undefined;
}

/**
 * History alone sets off no automation and no routing: a message received as history
 * (isHistoryOnly), nor a conversation created already ended to hold such history.
 */
function setsOffWork(event: DomainEventDoc): boolean {
  const { message, conversation } = event.data as { message?: { standby?: boolean }; conversation?: { status?: ConversationStatus } };
  if (event.type === 'message.received' && message) return !isHistoryOnly(message);
  if (event.type === 'conversation.created' && conversation?.status) return isOpen(conversation.status);
  return true;
}
