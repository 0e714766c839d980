import { Schema, type Types } from 'mongoose';
import { AGENT_ROLES, type AgentRole, AGENT_STATUSES, type AgentStatus } from '../../domain/agent.js';

export interface AgentDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  /** Stored lower-case; unique per workspace. */
  email: string;
  role: AgentRole;
  status: AgentStatus;
  /** How many conversations the agent may hold at once: the number of its slots (agent_slots). */
  capacity: number;
  skills: string[];
  languages: string[];
  teams: string[];
  /** The API key the agent works with: `POST /v1/conversations/:id/accept` acts as this agent. */
  apiKeyId?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export const agentSchema = new Schema<AgentDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  name: { type: String, required: true },
  email: { type: String, required: true, lowercase: true },
  role: { type: String, enum: AGENT_ROLES, default: 'agent' },
  status: { type: String, enum: AGENT_STATUSES, default: 'offline' },
  capacity: { type: Number, default: 3, min: 1 },
  skills: { type: [String], default: [] },
  languages: { type: [String], default: [] },
  teams: { type: [String], default: [] },
  apiKeyId: Schema.Types.ObjectId,
});
agentSchema.index({ workspaceId: 1, email: 1 }, { unique: true });
// One agent per key; sparse because most keys (admin, automation) belong to no agent.
agentSchema.index({ apiKeyId: 1 }, { unique: true, sparse: true });
agentSchema.index({ workspaceId: 1, _id: -1 });
