import { Schema, type Types } from 'mongoose';
import type { ActionOutcome } from '../../domain/automation.js';

/**
 * One application of a rule to one event, keyed `<ruleId>-<eventId>`. Inserting it is the claim
 * that lets a redelivered event apply each rule at most once (src/store/claim.ts); it then
 * keeps the outcomes. Recent runs of a conversation are the automation budget.
 */
export interface AutomationRunDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  ruleId: Types.ObjectId;
  eventId: string;
  conversationId?: Types.ObjectId;
  at: Date;
  outcomes?: ({ type: string } & ActionOutcome)[];
}

export const automationRunSchema = new Schema<AutomationRunDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    ruleId: { type: Schema.Types.ObjectId, required: true },
    eventId: { type: String, required: true },
    conversationId: Schema.Types.ObjectId,
    at: { type: Date, required: true },
    outcomes: Schema.Types.Mixed,
  },
  { timestamps: false, versionKey: false },
);
// The budget counts a conversation's recent runs.
automationRunSchema.index({ conversationId: 1, at: 1 });
