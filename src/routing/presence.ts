import type { Types } from 'mongoose';
import type { AgentStatus } from '../domain/agent.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { AssignmentService } from './assignment-service.js';
import type { ConversationRouter } from './conversation-router.js';
import type { WorkspaceQueues } from './workspace-queues.js';

/** What routing does when an agent's status changes: work waiting in its queues, or work it leaves. */
export class AgentPresence {
  constructor(
    private readonly deps: {
      store: Store;
      assignment: AssignmentService;
      router: Pick<ConversationRouter, 'route' | 'agentAvailable'>;
      workspaceQueues: WorkspaceQueues;
    },
  ) {}

  /** An agent turning available takes waiting work; one going offline hands work on. */
  async statusChanged(workspaceId: Types.ObjectId, agentId: Types.ObjectId, from: AgentStatus, to: AgentStatus): Promise<void> {
    if (to === from) return;
    if (to === 'available') await this.deps.router.agentAvailable(workspaceId, agentId);
    if (to === 'offline') await this.offline(workspaceId, agentId);
  }

  /**
   * An agent went offline: its active conversations in queues with `redistributeOnOffline` go
   * back to queued and are routed to the others. Others stay with the agent.
   */
  private async offline(workspaceId: Types.ObjectId, agentId: Types.ObjectId): Promise<void> {
    const { store, assignment, router } = this.deps;
    const queues = (await this.deps.workspaceQueues.of(workspaceId)).filter((q) => q.redistributeOnOffline);
    if (queues.length === 0) return;
    const held = await store.conversations
      .find({ workspaceId, assigneeId: agentId, status: 'active', queueId: { $in: queues.map((q) => q._id) } }, { _id: 1 })
      .lean();
    for (const c of held) {
      try {
        await assignment.unassign(workspaceId, c._id, { actor: 'routing' });
      } catch (err) {
        // It changed meanwhile (resolved, say): nothing to redistribute.
        if (err instanceof AppError && err.code === 'invalid_transition') continue;
        throw err;
      }
      await router.route(workspaceId, c._id, { exclude: agentId });
    }
  }
}
