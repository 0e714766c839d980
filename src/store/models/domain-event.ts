import { Schema, type Types } from 'mongoose';

/**
 * The outbox: every change the outside world may care about, written durably with a
 * deterministic id (a re-run job re-writes the same id, never a second event).
 */
export interface DomainEventDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  type: string;
  conversationId?: Types.ObjectId;
  data: Record<string, unknown>;
  occurredAt: Date;
  /** pending until fanned out to the webhook subscriptions. */
  state: 'pending' | 'dispatched';
}

export const domainEventSchema = new Schema<DomainEventDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, required: true },
    conversationId: Schema.Types.ObjectId,
    data: { type: Schema.Types.Mixed, required: true },
    occurredAt: { type: Date, required: true },
    state: { type: String, enum: ['pending', 'dispatched'], required: true },
  },
  { timestamps: false, versionKey: false, minimize: false },
);
domainEventSchema.index({ workspaceId: 1, occurredAt: 1 });
domainEventSchema.index({ state: 1, occurredAt: 1 });
// A conversation's events not yet fanned out, which its later deliveries must not overtake (src/webhooks/dispatcher.ts); deletion.
domainEventSchema.index({ conversationId: 1, state: 1, occurredAt: 1 });
