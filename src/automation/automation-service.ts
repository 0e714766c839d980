import { AUTOMATION_TRIGGERS, causedByAutomation, planActions, ruleListens, ruleMatches, type ActionOutcome, type AutomationTrigger } from '../domain/automation.js';
import { claimOnce } from '../store/claim.js';
import type { AutomationRuleDoc } from '../store/models/automation-rule.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import { runAction, type ActionDeps, type RuleRun } from './actions.js';
import type { EnabledRules } from './enabled-rules.js';
import { factsOf, loadEventFacts } from './facts.js';

/**
 * The hard guard behind the loop rules: at most this many rule applications per conversation
 * within BUDGET_WINDOW_MS, whatever causes them. Effects of automation are skipped already; this
 * stops anything that slips past (two integrations answering each other, say).
 */
export const RUN_BUDGET = 25;
const BUDGET_WINDOW_MS = 60 * 60_000;

const isTrigger = (type: string): type is AutomationTrigger => (AUTOMATION_TRIGGERS as readonly string[]).includes(type);

/**
 * Runs the workspace's enabled rules for an event, by ascending position (automatic mail sets
 * off only the rules that ask for it, `ruleListens`): each rule whose conditions match the facts
 * (re-read per rule, so a rule sees what the ones before it did) has its actions run in order,
 * their outcomes recorded on the run and in one `automation.rule_applied` event. A redelivered
 * event applies each rule at most once: the run's id `<ruleId>-<eventId>` is claimed before
 * anything is done.
 */
export async function runAutomation(ctx: ActionDeps & { rules: EnabledRules }, event: DomainEventDoc): Promise<void> {
  if (!isTrigger(event.type) || !event.conversationId || causedByAutomation(event.data)) return;
  const { store, clock, logger } = ctx;
  const { workspaceId, conversationId } = event;
  const rules = (await ctx.rules.of(workspaceId)).filter((rule) => rule.trigger === event.type);
  if (rules.length === 0) return;
  const atStart = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
  if (!atStart) return;
  const messageId = event.type === 'message.received' ? (event.data.message as { id?: string } | undefined)?.id : undefined;
  const eventFacts = await loadEventFacts(store, atStart, messageId);

  for (const rule of rules.filter((r) => ruleListens(r, eventFacts.message?.content))) {
    const run: RuleRun = { runId: `${String(rule._id)}-${event._id}`, rule, event, conversationId };
    // Applied by an earlier delivery of this event: it matched then, so it still stops the rest.
    if (await store.automationRuns.exists({ _id: run.runId })) {
      if (rule.stopAfterMatch) return;
      continue;
    }
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!conversation) return;
    const facts = factsOf(eventFacts, conversation);
    if (!ruleMatches(rule, facts)) continue;

    const since = new Date(clock.now().getTime() - BUDGET_WINDOW_MS);
    if ((await store.automationRuns.countDocuments({ conversationId, at: { $gte: since } })) >= RUN_BUDGET) {
      logger.warn({ conversationId: String(conversationId), eventId: event._id, ruleId: String(rule._id) }, 'automation budget of the conversation spent; rules skipped');
      return;
    }
    const claimed = await claimOnce(store.automationRuns, { _id: run.runId, workspaceId, ruleId: rule._id, eventId: event._id, conversationId, at: clock.now() });
    if (claimed) {
      const outcomes: ActionOutcome[] = [];
      for (const planned of planActions(rule.actions, facts)) {
        outcomes.push(planned.skip ? { status: 'skipped', code: planned.skip } : await runAction(ctx, run, planned.action));
      }
      await record(ctx, run, outcomes);
    }
    if (rule.stopAfterMatch) return;
  }
}

async function record(ctx: ActionDeps, run: RuleRun, outcomes: ActionOutcome[]): Promise<void> {
  const { rule, event } = run;
  const actions = rule.actions.map((action, i) => ({ ...action, outcome: outcomes[i] }));
  await ctx.store.automationRuns.updateOne({ _id: run.runId }, { $set: { outcomes: actions.map(({ type, outcome }) => ({ type, ...outcome })) } });
  await ctx.outbox.emit({
    type: 'automation.rule_applied',
    workspaceId: rule.workspaceId,
    key: run.runId,
    conversationId: run.conversationId,
    data: {
      rule: ruleSummary(rule),
      trigger: { eventId: event._id, type: event.type },
      conversationId: String(run.conversationId),
      actions,
      // Marks the event as automation's own: it never triggers rules (causedByAutomation).
      automation: { ruleId: String(rule._id), eventId: event._id },
    },
  });
}

const ruleSummary = (rule: AutomationRuleDoc) => ({ id: String(rule._id), name: rule.name, trigger: rule.trigger, position: rule.position });
