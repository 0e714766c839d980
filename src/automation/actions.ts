import axios from 'axios';
import type { Types } from 'mongoose';
import { updateConversation } from '../conversations/conversation-update.js';
import type { ActionOutcome, AutomationAction } from '../domain/automation.js';
import type { MessageContent } from '../domain/message.js';
import { AppError, notFound } from '../errors.js';
import type { AutomationRuleDoc } from '../store/models/automation-rule.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import { deliverWebhook } from '../webhooks/sender.js';
import { ForbiddenWebhookUrlError } from '../webhooks/url-guard.js';
import type { Clock } from '../clock.js';
import type { Outbox } from '../events/outbox.js';
import type { Logger } from '../logger.js';
import type { SendService } from '../outbound/send-service.js';
import type { AssignmentService } from '../routing/assignment-service.js';
import { isAgentRefusal, type ConversationRouter } from '../routing/conversation-router.js';
import type { ConversationTransfers } from '../routing/transfers.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { WebhookTargetGuard } from '../webhooks/allowlist.js';

export interface ActionDeps {
  store: Store;
  outbox: Outbox;
  assignment: AssignmentService;
  router: ConversationRouter;
  transfers: ConversationTransfers;
  sender: SendService;
  secretBox: SecretBox;
  clock: Clock;
  logger: Logger;
  webhookTargets: WebhookTargetGuard;
}

/** One rule applied to one event; `runId` is its claim id, `<ruleId>-<eventId>`. */
export interface RuleRun {
  runId: string;
  rule: AutomationRuleDoc;
  event: DomainEventDoc;
  conversationId: Types.ObjectId;
}

/** Everything automation changes is done as the `automation` actor, which automation then ignores. */
const AS_AUTOMATION = { actor: 'automation' } as const;
/** Refusals that only say "not this agent": a team assignment tries the next member. */
/** A rule's webhook is called once, inside the events job: it must not hold the job for long. */
const WEBHOOK_TIMEOUT_MS = 10_000;

const http = axios.create();

/**
 * Runs one action and says what came of it. Refusals (an agent at capacity, a closed window, a
 * forbidden URL) are outcomes, not errors; an unexpected failure is logged and recorded as
 * `failed`, since the rule's claim is taken and the action will not be tried again.
 */
export async function runAction(ctx: ActionDeps, run: RuleRun, action: AutomationAction): Promise<ActionOutcome> {
  try {
    return await perform(ctx, run, action);
  } catch (err) {
    if (err instanceof AppError || err instanceof ForbiddenWebhookUrlError) return { status: 'refused', code: err.code, message: err.message };
    ctx.logger.error({ err, ruleId: String(run.rule._id), eventId: run.event._id, action: action.type }, 'automation action failed');
    return { status: 'failed', code: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

async function perform(ctx: ActionDeps, run: RuleRun, action: AutomationAction): Promise<ActionOutcome> {
  const { workspaceId } = run.rule;
  const conversationId = String(run.conversationId);
  switch (action.type) {
    case 'assign_agent':
      return assignTo(ctx, await current(ctx, run), action.agentId);
    case 'assign_team':
      return assignTeam(ctx, await current(ctx, run), action.team);
    case 'assign_queue': {
      const moved = await ctx.transfers.transfer(workspaceId, conversationId, { queueId: action.queueId }, AS_AUTOMATION);
      return applied({ queueId: action.queueId, assigneeId: moved.assigneeId ? String(moved.assigneeId) : null });
    }
    case 'add_tag':
      await updateConversation(ctx, workspaceId, conversationId, ['tags'], { $addToSet: { tags: action.tag } });
      return applied();
    case 'remove_tag':
      await updateConversation(ctx, workspaceId, conversationId, ['tags'], { $pull: { tags: action.tag } });
      return applied();
    case 'set_priority':
      await updateConversation(ctx, workspaceId, conversationId, ['priority'], { $set: { priority: action.priority } });
      return applied();
    case 'reply_text':
      return reply(ctx, run, { type: 'text', text: action.text });
    case 'reply_template':
      return reply(ctx, run, {
        type: 'template',
        template: {
          name: action.name,
          language: action.language,
          components: action.parameters.length > 0 ? [{ type: 'body', parameters: action.parameters.map((text) => ({ type: 'text', text })) }] : [],
        },
      });
    case 'webhook':
      return callWebhook(ctx, run, action.url);
  }
}

const applied = (detail?: Record<string, unknown>): ActionOutcome => ({ status: 'applied', ...(detail && { detail }) });

async function current(ctx: ActionDeps, run: RuleRun): Promise<ConversationDoc> {
  const conversation = await ctx.store.conversations.findOne({ _id: run.conversationId, workspaceId: run.rule.workspaceId }).lean();
  if (!conversation) throw notFound('Conversation');
  return conversation;
}

/** A queued conversation is assigned; an assigned one is transferred (the agent is checked first). */
async function assignTo(ctx: ActionDeps, c: ConversationDoc, agentId: Types.ObjectId | string): Promise<ActionOutcome> {
  const assigned =
    c.status === 'queued'
      ? await ctx.assignment.assign(c.workspaceId, c._id, agentId, AS_AUTOMATION)
      : await ctx.transfers.transfer(c.workspaceId, c._id, { agentId: String(agentId) }, AS_AUTOMATION);
  return applied({ agentId: String(assigned.assigneeId ?? agentId) });
}

/**
 * The available member of the team with the fewest conversations and a free slot; on a refusal
 * (someone took the last slot meanwhile) the next one. A conversation a member holds stays.
 */
async function assignTeam(ctx: ActionDeps, c: ConversationDoc, team: string): Promise<ActionOutcome> {
  const { store } = ctx;
  const members = await store.agents.find({ workspaceId: c.workspaceId, teams: team }, { status: 1, capacity: 1 }).lean();
  if (c.status === 'active' && members.some((m) => c.assigneeId?.equals(m._id))) {
    return { status: 'skipped', code: 'already_assigned', detail: { agentId: String(c.assigneeId) } };
  }
  for (const agent of await ctx.router.leastBusyAvailable(members)) {
    try {
      return await assignTo(ctx, c, agent._id);
    } catch (err) {
      if (!isAgentRefusal(err)) throw err;
    }
  }
  return { status: 'refused', code: 'no_agent_available', message: `No available member of team ${team} has a free slot` };
}

/** Through the send service, so the channel's rules apply; sent on behalf of the key that made the rule. */
async function reply(ctx: ActionDeps, run: RuleRun, content: MessageContent): Promise<ActionOutcome> {
  const message = await ctx.sender.send(run.rule.workspaceId, String(run.conversationId), { content }, { keyId: run.rule.createdBy, author: 'automation' });
  return applied({ messageId: String(message._id) });
}

/**
 * One signed POST of the trigger event (the same body a subscription gets, plus the rule), with
 * the rule's secret. Fire-once: its answer is the outcome; there is no retry.
 */
async function callWebhook(ctx: ActionDeps, run: RuleRun, url: string): Promise<ActionOutcome> {
  const { rule, event } = run;
  const agents = await ctx.webhookTargets.agentsFor(rule.workspaceId, url);
  const body = JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: { ...event.data, rule: { id: String(rule._id), name: rule.name } },
  });
  const result = await deliverWebhook({
    url,
    eventId: run.runId,
    body,
    secrets: [ctx.secretBox.open<string>(rule.webhookSecret)],
    http,
    agents,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    now: () => ctx.clock.now().getTime(),
  });
  const detail = { httpStatus: result.status ?? null, latencyMs: result.latencyMs };
  if (result.outcome === 'delivered') return applied(detail);
  return { status: 'failed', code: `webhook_${result.outcome}`, message: result.error ?? `The endpoint answered ${result.status}`, detail };
}
