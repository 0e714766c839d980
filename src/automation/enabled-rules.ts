import type { Types } from 'mongoose';
import { PerWorkspace, type SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { AutomationRuleDoc } from '../store/models/automation-rule.js';

/** A workspace's enabled automation rules in run order (every trigger), asked for on every event. */
export type EnabledRules = PerWorkspace<AutomationRuleDoc[]>;

export function createEnabledRules(store: Store, cache: SharedCache): EnabledRules {
  return new PerWorkspace(cache, 'automation-rules', (workspaceId: Types.ObjectId) =>
    store.automationRules.find({ workspaceId, enabled: true }).sort({ position: 1, _id: 1 }).lean(),
  );
}
