import type { AppContext } from '../app/context.js';
import { runAutomation } from '../automation/automation-service.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';

/**
 * What the gateway itself does when a domain event has been stored, after its webhook fan-out.
 * Runs in the events worker, off the ingest path; every reaction must be safe to repeat, since
 * a job re-run after a crash delivers the same event again.
 */
export async function reactToEvent(ctx: AppContext, event: DomainEventDoc): Promise<void> {
  // A new pull-based channel (a mailbox) starts being watched by a worker.
  if (event.type === 'channel.created') {
    const channel = await ctx.store.channels.findById(event.data.channelId).lean();
    if (channel) await ctx.pull.ensure(channel);
  }
  // Automation rules of the event's trigger; before routing, so a rule's assignment decides first.
  await runAutomation(ctx, event);
  // Routing: a new conversation gets its queue and maybe an agent.
  const routed = event.type === 'conversation.created' && event.conversationId ? await ctx.router.route(event.workspaceId, event.conversationId) : null;
  // Queued again: routed again; a freed slot: its agent takes waiting work.
  if (event.type === 'conversation.status_changed' && event.conversationId) await ctx.router.statusChanged(event.workspaceId, event.conversationId, event.data);
  // Resolved: the customer is asked for a rating, once per resolution, if the workspace wants it.
  if (event.type === 'conversation.status_changed' && event.data.to === 'resolved') await ctx.csat.requestAfterResolution(event);
  // Real-time clients, after routing so a new conversation's queue subscribers see it.
  await ctx.realtime.publish(event, { ...(routed?.queueId && { queueId: String(routed.queueId) }) });
}
