import { Schema, type Types } from 'mongoose';
import type { QueueRules } from '../../domain/queue-matching.js';
import { ROUTING_STRATEGIES, type RoutingStrategy } from '../../domain/queue.js';

export interface QueueDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  /** Higher is matched first (src/domain/queue-matching.ts). */
  priority: number;
  rules: QueueRules;
  /** manual: agents accept from the queue; the others assign on arrival (src/routing/conversation-router.ts). */
  strategy: RoutingStrategy;
  /** The fallback for conversations no other queue matches; one per workspace (defaultKey). */
  isDefault: boolean;
  /** The workspace id on the default queue only: the sparse unique index makes it one per workspace. */
  defaultKey?: string;
  /**
   * Member agents: the ones routing assigns to and whose going available pulls work from here.
   * Not indexed: "the queues of an agent" reads the workspace's queues (a handful), and a
   * multikey index over a large array is one btree key on FerretDB's PostgreSQL backend, too
   * large to store beyond about 600 members.
   */
  agentIds: Types.ObjectId[];
  /** When a member goes offline, its active conversations of this queue are unassigned and routed again. */
  redistributeOnOffline: boolean;
  /** A conversation queued here longer than this moves to `overflowQueueId` (src/routing/overflow.ts). */
  maxWaitSeconds?: number;
  overflowQueueId?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export const queueSchema = new Schema<QueueDoc>(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    priority: { type: Number, default: 0 },
    rules: { type: Schema.Types.Mixed, default: {} },
    strategy: { type: String, enum: ROUTING_STRATEGIES, default: 'manual' },
    isDefault: { type: Boolean, default: false },
    defaultKey: String,
    agentIds: { type: [Schema.Types.ObjectId], default: [] },
    redistributeOnOffline: { type: Boolean, default: false },
    maxWaitSeconds: { type: Number, min: 1 },
    overflowQueueId: Schema.Types.ObjectId,
  },
  { minimize: false },
);
queueSchema.index({ defaultKey: 1 }, { unique: true, sparse: true });
queueSchema.index({ workspaceId: 1, _id: -1 });
