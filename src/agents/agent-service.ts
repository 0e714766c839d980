import type { Types } from 'mongoose';
import type { AgentRole, AgentStatus } from '../domain/agent.js';
import type { ApiKeyRole } from '../domain/api-key.js';
import { conflict, forbidden, notFound, unlessTaken, unprocessable } from '../errors.js';
import type { AgentPresence } from '../routing/presence.js';
import type { WorkspaceQueues } from '../routing/workspace-queues.js';
import type { Store } from '../store/index.js';
import type { AgentDoc } from '../store/models/agent.js';
import { type PageRequest, newestFirst, ownRecord } from '../store/workspace-records.js';

/** An agent's settable fields as the API takes them; `apiKeyId` links the key `accept` acts with (null unlinks it). */
export interface AgentInput {
  name?: string;
  email?: string;
  role?: AgentRole;
  status?: AgentStatus;
  capacity?: number;
  skills?: string[];
  languages?: string[];
  teams?: string[];
  apiKeyId?: string | null;
}

/** An agent with how many conversations it holds now. */
export interface AgentWithLoad {
  agent: AgentDoc;
  load: number;
}

/**
 * The agents of a workspace as admins (and, for their own status, agents) manage them. A status
 * change moves work: an agent turning available pulls waiting conversations, one going offline
 * hands on what its queues say to redistribute.
 */
export class AgentService {
  constructor(private readonly deps: { store: Store; presence: AgentPresence; workspaceQueues: WorkspaceQueues }) {}

  async create(workspaceId: Types.ObjectId, input: Omit<AgentInput, 'apiKeyId'> & { name: string; email: string; apiKeyId?: string }): Promise<AgentDoc> {
    if (input.apiKeyId) await this.checkKey(workspaceId, input.apiKeyId);
    const agent = await unlessTaken(() => this.deps.store.agents.create({ ...input, workspaceId }), agentExists);
    return agent.toObject();
  }

  async list(workspaceId: Types.ObjectId, page: PageRequest): Promise<AgentDoc[]> {
    return newestFirst(this.deps.store.agents, { workspaceId }, page);
  }

  async get(workspaceId: Types.ObjectId, id: string): Promise<AgentWithLoad> {
    const agent = await this.find(workspaceId, id);
    return { agent, load: await this.held(agent._id) };
  }

  /** The agent an API key is linked to (apiKeyId), with its load; null for a key no agent uses. */
  async ofKey(workspaceId: Types.ObjectId, keyId: Types.ObjectId): Promise<AgentWithLoad | null> {
    const agent = await this.deps.store.agents.findOne({ workspaceId, apiKeyId: keyId }).lean();
    return agent ? { agent, load: await this.held(agent._id) } : null;
  }

  /**
   * Admin keys change anything; an agent's own key may change its status only (going offline).
   * A lowered capacity takes effect for new assignments; held conversations stay (see AssignmentService).
   */
  async update(workspaceId: Types.ObjectId, id: string, input: AgentInput, caller: { keyId: Types.ObjectId; role: ApiKeyRole }): Promise<AgentWithLoad> {
    const { store, presence } = this.deps;
    const agent = await this.find(workspaceId, id);
    const own = agent.apiKeyId?.equals(caller.keyId) === true;
    if (caller.role !== 'admin' && !(own && Object.keys(input).every((k) => k === 'status'))) {
      throw forbidden('admin_required', "Only an admin key may change this; an agent's own key may change its status");
    }
    if (input.apiKeyId) await this.checkKey(workspaceId, input.apiKeyId);
    const { apiKeyId, ...fields } = input;
    const update = {
      $set: { ...fields, ...(apiKeyId && { apiKeyId }) },
      ...(apiKeyId === null && { $unset: { apiKeyId: '' } }),
    };
    const updated = await unlessTaken(() => store.agents.findOneAndUpdate({ _id: id, workspaceId }, update, { returnDocument: 'after', runValidators: true }).lean(), agentExists);
    if (!updated) throw notFound('Agent');
    await presence.statusChanged(workspaceId, updated._id, agent.status, updated.status);
    return { agent: updated, load: await this.held(updated._id) };
  }

  /**
   * Removes an agent that holds no conversation, and takes it out of its queues. It goes offline
   * first, so an assignment racing the removal gives its slot back (AssignmentService re-reads
   * the status after the slot claim); the held slots are counted after that. Conversations it
   * handled keep its id as who handled them.
   */
  async delete(workspaceId: Types.ObjectId, id: string): Promise<void> {
    const { store } = this.deps;
    const agent = await this.find(workspaceId, id);
    const refuse = (held: number) => conflict('agent_has_conversations', 'The agent holds conversations: unassign or transfer them first', { held });
    const before = await this.held(agent._id);
    if (before > 0) throw refuse(before);
    await store.agents.updateOne({ _id: agent._id }, { $set: { status: 'offline' } });
    const held = await this.held(agent._id);
    if (held > 0) {
      await store.agents.updateOne({ _id: agent._id }, { $set: { status: agent.status } });
      throw refuse(held);
    }
    await store.routingQueues.updateMany({ workspaceId, agentIds: agent._id }, { $pull: { agentIds: agent._id } });
    await this.deps.workspaceQueues.changed(workspaceId);
    await store.agents.deleteOne({ _id: agent._id });
  }

  private find(workspaceId: Types.ObjectId, id: string): Promise<AgentDoc> {
    return ownRecord(this.deps.store.agents, workspaceId, id, 'Agent');
  }

  private held(agentId: Types.ObjectId): Promise<number> {
    return this.deps.store.agentSlots.countDocuments({ agentId });
  }

  /** A linked key must be a live key of the same workspace. */
  private async checkKey(workspaceId: Types.ObjectId, apiKeyId: string): Promise<void> {
    if (!(await this.deps.store.apiKeys.exists({ _id: apiKeyId, workspaceId, revokedAt: { $exists: false } }))) {
      throw unprocessable('api_key_not_found', 'apiKeyId is not an API key of this workspace');
    }
  }
}

/** Unique email per workspace and one agent per key. */
const agentExists = () => conflict('agent_exists', 'An agent with this email or API key exists');
