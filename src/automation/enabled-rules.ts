import type { Types } from 'mongoose';
import type { SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { AutomationRuleDoc } from '../store/models/automation-rule.js';

/**
 * A workspace's enabled automation rules in run order, asked for on every event: cached in each
 * process, dropped everywhere when `changed` is called after a rule is created, changed or removed.
 */
export class EnabledRules {
  constructor(private readonly deps: { store: Store; cache: SharedCache }) {}

  async of(workspaceId: Types.ObjectId, trigger: string): Promise<AutomationRuleDoc[]> {
    const rules = await this.deps.cache.get(keyOf(workspaceId), () =>
      this.deps.store.automationRules.find({ workspaceId, enabled: true }).sort({ position: 1, _id: 1 }).lean(),
    );
    return rules.filter((rule) => rule.trigger === trigger);
  }

  async changed(workspaceId: Types.ObjectId): Promise<void> {
    await this.deps.cache.invalidate(keyOf(workspaceId));
  }
}

const keyOf = (workspaceId: Types.ObjectId) => `automation-rules:${String(workspaceId)}`;
