import type { Types } from 'mongoose';
import type { AutomationAction, AutomationTrigger, RuleLogic } from '../domain/automation.js';
import { notFound, unprocessable } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { AutomationRuleDoc } from '../store/models/automation-rule.js';
import type { WebhookTargetGuard } from '../webhooks/allowlist.js';
import { generateWebhookSecret } from '../webhooks/signature.js';
import type { EnabledRules } from './enabled-rules.js';
import { type PageRequest, newestFirst, ownRecord } from '../store/workspace-records.js';

/** A rule as the API takes it; without a position it runs after the trigger's last rule. */
export interface RuleInput extends RuleLogic {
  name: string;
  trigger: AutomationTrigger;
  position?: number;
  enabled: boolean;
  stopAfterMatch: boolean;
}

/** A new rule with its webhook signing secret in the clear, the one time it is shown. */
export interface CreatedRule {
  rule: AutomationRuleDoc;
  webhookSecret: string;
}

export interface RuleServiceDeps {
  store: Store;
  /** The shared cache of enabled rules, told of every change so automation in every process sees it. */
  rules: EnabledRules;
  targets: WebhookTargetGuard;
  secretBox: SecretBox;
}

/** The automation rules of a workspace as admins manage them; src/automation runs them. */
export class RuleService {
  constructor(private readonly deps: RuleServiceDeps) {}

  /** `createdBy` is the key the rule's replies are recorded as sent by. */
  async create(workspaceId: Types.ObjectId, input: RuleInput, createdBy: Types.ObjectId): Promise<CreatedRule> {
    const { store, secretBox } = this.deps;
    await this.checkActions(workspaceId, input.actions);
    const last = await store.automationRules.findOne({ workspaceId, trigger: input.trigger }, { position: 1 }).sort({ position: -1 }).lean();
    const webhookSecret = generateWebhookSecret();
    const rule = await store.automationRules.create({
      ...input,
      position: input.position ?? (last ? last.position + 1 : 0),
      workspaceId,
      webhookSecret: secretBox.seal(webhookSecret),
      createdBy,
    });
    await this.deps.rules.changed(workspaceId);
    return { rule: rule.toObject(), webhookSecret };
  }

  /** Newest first, `limit + 1` of them, so the caller can tell whether a next page exists. */
  async list(workspaceId: Types.ObjectId, opts: PageRequest & { trigger?: AutomationTrigger }): Promise<AutomationRuleDoc[]> {
    return newestFirst(this.deps.store.automationRules, { workspaceId, ...(opts.trigger && { trigger: opts.trigger }) }, opts);
  }

  async get(workspaceId: Types.ObjectId, id: string): Promise<AutomationRuleDoc> {
    return ownRecord(this.deps.store.automationRules, workspaceId, id, 'Automation rule');
  }

  /** Conditions and actions given replace the old ones. */
  async update(workspaceId: Types.ObjectId, id: string, changes: Partial<RuleInput>): Promise<AutomationRuleDoc> {
    const { store } = this.deps;
    // Not found comes before any complaint about the actions.
    if (!(await store.automationRules.exists({ _id: id, workspaceId }))) throw notFound('Automation rule');
    if (changes.actions) await this.checkActions(workspaceId, changes.actions);
    const updated = await store.automationRules.findOneAndUpdate({ _id: id, workspaceId }, { $set: changes }, { returnDocument: 'after', runValidators: true }).lean();
    if (!updated) throw notFound('Automation rule');
    await this.deps.rules.changed(workspaceId);
    return updated;
  }

  async delete(workspaceId: Types.ObjectId, id: string): Promise<void> {
    const { deletedCount } = await this.deps.store.automationRules.deleteOne({ _id: id, workspaceId });
    if (deletedCount === 0) throw notFound('Automation rule');
    await this.deps.rules.changed(workspaceId);
  }

  /**
   * What actions name must exist in the workspace now: agents and queues (a template is looked
   * up on the conversation's channel when the rule runs); webhook targets must be public.
   */
  private async checkActions(workspaceId: Types.ObjectId, actions: AutomationAction[]): Promise<void> {
    const { store, targets } = this.deps;
    const agentIds = new Set(actions.flatMap((a) => (a.type === 'assign_agent' ? [a.agentId] : [])));
    const queueIds = new Set(actions.flatMap((a) => (a.type === 'assign_queue' ? [a.queueId] : [])));
    if ((await store.agents.countDocuments({ workspaceId, _id: { $in: [...agentIds] } })) !== agentIds.size) {
      throw unprocessable('agent_not_found', 'An assign_agent action names an agent this workspace does not have');
    }
    if ((await store.routingQueues.countDocuments({ workspaceId, _id: { $in: [...queueIds] } })) !== queueIds.size) {
      throw unprocessable('queue_not_found', 'An assign_queue action names a queue this workspace does not have');
    }
    for (const action of actions) {
      if (action.type === 'webhook') await targets.assertConfigurable(workspaceId, action.url);
    }
  }
}
