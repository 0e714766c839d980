import { Router } from 'express';
import type { Types } from 'mongoose';
import type { AppContext } from '../../app/context.js';
import { conflict, forbidden, isDuplicateKeyError, notFound, unprocessable } from '../../errors.js';
import type { AgentDoc } from '../../store/models/agent.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { cursorFilter, page } from '../pagination.js';
import { createAgentBody, idParam, paginationQuery, updateAgentBody } from '../schemas.js';

/** An agent as the API shows it, with how many conversations it holds now. */
function agentToApi(a: AgentDoc, load?: number) {
  return {
    id: String(a._id),
    name: a.name,
    email: a.email,
    role: a.role,
    status: a.status,
    capacity: a.capacity,
    skills: a.skills,
    languages: a.languages,
    teams: a.teams,
    apiKeyId: a.apiKeyId ? String(a.apiKeyId) : null,
    ...(load !== undefined && { load }),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export function agentRoutes(ctx: AppContext): Router {
  const router = Router();

  /** A linked key must be a live key of the same workspace. */
  const checkKey = async (workspaceId: Types.ObjectId, apiKeyId: string) => {
    if (!(await ctx.store.apiKeys.exists({ _id: apiKeyId, workspaceId, revokedAt: { $exists: false } }))) {
      throw unprocessable('api_key_not_found', 'apiKeyId is not an API key of this workspace');
    }
  };
  /** Unique email per workspace and one agent per key; the indexes decide, this names the clash. */
  const stored = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('agent_exists', 'An agent with this email or API key exists');
      throw err;
    }
  };

  router.post(
    '/agents',
    requireAdmin,
    idempotent(ctx, async (req, res) => {
      const body = createAgentBody.parse(req.body);
      const { workspaceId } = authOf(res);
      if (body.apiKeyId) await checkKey(workspaceId, body.apiKeyId);
      const agent = await stored(() => ctx.store.agents.create({ ...body, workspaceId }));
      return { status: 201, body: agentToApi(agent.toObject(), 0) };
    }),
  );

  router.get('/agents', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    const docs = await ctx.store.agents
      .find({ workspaceId: authOf(res).workspaceId, ...cursorFilter(q.cursor) })
      .sort({ _id: -1 })
      .limit(q.limit + 1)
      .lean();
    res.json(page(docs, q.limit, (a) => agentToApi(a)));
  });

  router.get('/agents/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const agent = await ctx.store.agents.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!agent) throw notFound('Agent');
    res.json(agentToApi(agent, await ctx.store.agentSlots.countDocuments({ agentId: agent._id })));
  });

  /** Admin keys change anything; an agent's own key may change its status only (going offline). */
  router.patch('/agents/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateAgentBody.parse(req.body);
    const { workspaceId, keyId, role } = authOf(res);
    const agent = await ctx.store.agents.findOne({ _id: id, workspaceId }).lean();
    if (!agent) throw notFound('Agent');
    const own = agent.apiKeyId?.equals(keyId) === true;
    if (role !== 'admin' && !(own && Object.keys(body).every((k) => k === 'status'))) {
      throw forbidden('admin_required', "Only an admin key may change this; an agent's own key may change its status");
    }
    if (body.apiKeyId) await checkKey(workspaceId, body.apiKeyId);
    const { apiKeyId, ...fields } = body;
    const update = {
      $set: { ...fields, ...(apiKeyId && { apiKeyId }) },
      ...(apiKeyId === null && { $unset: { apiKeyId: '' } }),
    };
    // A lowered capacity takes effect for new assignments; held conversations stay (see AssignmentService).
    const updated = await stored(() => ctx.store.agents.findOneAndUpdate({ _id: id, workspaceId }, update, { returnDocument: 'after', runValidators: true }).lean());
    if (!updated) throw notFound('Agent');
    // Routing follows the new status: work waiting in the agent's queues, or work it leaves.
    if (updated.status !== agent.status && updated.status === 'available') await ctx.router.agentAvailable(workspaceId, updated._id);
    if (updated.status !== agent.status && updated.status === 'offline') await ctx.router.agentOffline(workspaceId, updated._id);
    res.json(agentToApi(updated, await ctx.store.agentSlots.countDocuments({ agentId: updated._id })));
  });

  /**
   * Removes an agent that holds no conversation, and takes it out of its queues. It goes offline
   * first, so an assignment racing the removal gives its slot back (AssignmentService re-reads
   * the status after the slot claim); the held slots are counted after that. Conversations it
   * handled keep its id as who handled them.
   */
  router.delete('/agents/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { workspaceId } = authOf(res);
    const agent = await ctx.store.agents.findOne({ _id: id, workspaceId }).lean();
    if (!agent) throw notFound('Agent');
    const holding = async () => ctx.store.agentSlots.countDocuments({ agentId: agent._id });
    const refuse = (held: number) => conflict('agent_has_conversations', 'The agent holds conversations: unassign or transfer them first', { held });
    if ((await holding()) > 0) throw refuse(await holding());
    await ctx.store.agents.updateOne({ _id: agent._id }, { $set: { status: 'offline' } });
    const held = await holding();
    if (held > 0) {
      await ctx.store.agents.updateOne({ _id: agent._id }, { $set: { status: agent.status } });
      throw refuse(held);
    }
    await ctx.store.routingQueues.updateMany({ workspaceId, agentIds: agent._id }, { $pull: { agentIds: agent._id } });
    await ctx.workspaceQueues.changed(workspaceId);
    await ctx.store.agents.deleteOne({ _id: agent._id });
    res.status(204).end();
  });
  return router;
}
