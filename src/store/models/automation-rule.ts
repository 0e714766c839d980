import { Schema, type Types } from 'mongoose';
import { AUTOMATION_TRIGGERS, type AutomationTrigger, type RuleLogic } from '../../domain/automation.js';
import type { SealedSecret } from '../../security/secret-box.js';

/** A workspace's automation rule (src/domain/automation.ts); rules of a trigger run by ascending position. */
export interface AutomationRuleDoc extends RuleLogic {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  trigger: AutomationTrigger;
  /** Run order among the rules of the trigger, lowest first; ties by creation. */
  position: number;
  enabled: boolean;
  /** When this rule matches, the rules after it are not evaluated for the event. */
  stopAfterMatch: boolean;
  /** The `whsec_` secret webhook actions sign with, encrypted; shown once, at creation. */
  webhookSecret: SealedSecret;
  /** The API key that created the rule: its replies are recorded as sent by that key. */
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export const automationRuleSchema = new Schema<AutomationRuleDoc>(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    trigger: { type: String, enum: AUTOMATION_TRIGGERS, required: true },
    match: { type: String, enum: ['all', 'any'], default: 'all' },
    conditions: { type: Schema.Types.Mixed, default: [] },
    actions: { type: Schema.Types.Mixed, default: [] },
    position: { type: Number, required: true },
    enabled: { type: Boolean, default: true },
    stopAfterMatch: { type: Boolean, default: false },
    webhookSecret: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
  },
  { minimize: false },
);
// The rules an event runs, in order.
automationRuleSchema.index({ workspaceId: 1, trigger: 1, enabled: 1, position: 1 });
automationRuleSchema.index({ workspaceId: 1, _id: -1 });
