import { Schema, type Types } from 'mongoose';

/**
 * One occupied capacity slot of an agent, keyed `<agentId>:<slotIndex>` with 0 <= slotIndex <
 * capacity. Inserting it is how an assignment takes a unit of the agent's capacity: the unique
 * _id lets one conversation hold a given slot, so an agent can never hold more conversations than
 * it has slots, even where conditional updates are not atomic (FerretDB). The conversation names
 * its slot in `assignedSlot`; a slot no conversation names is an orphan (see reconcileSlots).
 */
export interface AgentSlotDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  agentId: Types.ObjectId;
  conversationId: Types.ObjectId;
  at: Date;
}

export const agentSlotSchema = new Schema<AgentSlotDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    agentId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
agentSlotSchema.index({ agentId: 1 });
agentSlotSchema.index({ workspaceId: 1, at: 1 });
