import type { AppContext } from './context.js';
import { runAutomation } from '../automation/automation-service.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';

/**
 * What the gateway itself does when the domain events of one change have been stored, after
 * their webhook fan-out, in their order. Runs in the events worker, off the ingest path; every
 * reaction must be safe to repeat, since a job re-run after a crash delivers the same events again.
 */
export async function reactToEvents(ctx: AppContext, events: DomainEventDoc[]): Promise<void> {
  // The queue routing gave a new conversation reaches the real-time entries of its later events.
  const queueOf = new Map<string, string>();
  for (const event of events) {
    const known = event.conversationId && queueOf.get(String(event.conversationId));
    const routedTo = await reactToEvent(ctx, event, known ? { queueId: known } : {});
    if (routedTo && event.conversationId) queueOf.set(String(event.conversationId), routedTo);
  }
}

/** Returns the queue a new conversation was routed to, if it was. */
async function reactToEvent(ctx: AppContext, event: DomainEventDoc, known: { queueId?: string }): Promise<string | undefined> {
  // A new pull-based channel (a mailbox) starts being watched by a worker.
  if (event.type === 'channel.created') {
    const channel = await ctx.store.channels.findById(event.data.channelId).lean();
    if (channel) await ctx.pull.ensure(channel);
  }
  // Real-time clients first: automation may wait on a rule's webhook call (up to 10 s). A new
  // conversation is the exception: its queue subscribers need the queue routing gives it.
  const created = event.type === 'conversation.created';
  if (!created) await ctx.liveFeed.publish(event, known);
  // Automation rules of the event's trigger; before routing, so a rule's assignment decides first.
  await runAutomation(ctx, event);
  // Routing: a new conversation gets its queue and maybe an agent.
  const routed = created && event.conversationId ? await ctx.router.route(event.workspaceId, event.conversationId) : null;
  // Queued again: routed again; a freed slot: its agent takes waiting work.
  if (event.type === 'conversation.status_changed' && event.conversationId) await ctx.router.statusChanged(event.workspaceId, event.conversationId, event.data);
  // Resolved: the customer is asked for a rating, once per resolution, if the workspace wants it.
  if (event.type === 'conversation.status_changed' && event.data.to === 'resolved') await ctx.csat.requestAfterResolution(event);
  const queueId = routed?.queueId ? String(routed.queueId) : known.queueId;
  if (created) await ctx.liveFeed.publish(event, { ...(queueId && { queueId }) });
  return routed?.queueId ? String(routed.queueId) : undefined;
}
