import { Router } from 'express';
import type { Types } from 'mongoose';
import type { AppContext } from '../../app/context.js';
import { notFound, unprocessable } from '../../errors.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { createQueueBody, idParam, updateQueueBody } from '../schemas.js';
import { queueToApi } from '../serializers.js';

export function queueRoutes(ctx: AppContext): Router {
  const router = Router();

  /** Members must be agents of the workspace: routing would otherwise try ids that never assign. */
  const checkAgents = async (workspaceId: Types.ObjectId, agentIds: string[]) => {
    const found = await ctx.store.agents.countDocuments({ workspaceId, _id: { $in: agentIds } });
    if (found !== new Set(agentIds).size) throw unprocessable('agent_not_found', 'agentIds names an agent this workspace does not have');
  };

  router.post(
    '/queues',
    requireAdmin,
    idempotent(ctx, async (req, res) => {
      const body = createQueueBody.parse(req.body);
      const { workspaceId } = authOf(res);
      await checkAgents(workspaceId, body.agentIds);
      // The default queue is made by the router on first use; created ones are never the default.
      const queue = await ctx.store.routingQueues.create({ ...body, agentIds: [...new Set(body.agentIds)], workspaceId, isDefault: false });
      return { status: 201, body: queueToApi(queue.toObject()) };
    }),
  );

  /** All queues, highest priority first, the default one (made now if missing) last. */
  router.get('/queues', async (_req, res) => {
    const { workspaceId } = authOf(res);
    const fallback = await ctx.router.defaultQueue(workspaceId);
    const others = await ctx.store.routingQueues.find({ workspaceId, isDefault: false }).sort({ priority: -1, _id: 1 }).lean();
    res.json({ data: [...others, fallback].map(queueToApi) });
  });

  router.get('/queues/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const queue = await ctx.store.routingQueues.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!queue) throw notFound('Queue');
    res.json(queueToApi(queue));
  });

  router.patch('/queues/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateQueueBody.parse(req.body);
    const { workspaceId } = authOf(res);
    if (body.agentIds) await checkAgents(workspaceId, body.agentIds);
    const update = { ...body, ...(body.agentIds && { agentIds: [...new Set(body.agentIds)] }) };
    const queue = await ctx.store.routingQueues.findOneAndUpdate({ _id: id, workspaceId }, { $set: update }, { new: true, runValidators: true }).lean();
    if (!queue) throw notFound('Queue');
    res.json(queueToApi(queue));
  });
  return router;
}
