import { Router } from 'express';
import { z } from 'zod';
import type { Types } from 'mongoose';
import type { AppContext } from '../../app/context.js';
import { conflict, notFound, unprocessable } from '../../errors.js';
import type { QueueDoc } from '../../store/models/queue.js';
import { listOf, queueResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { createQueueBody, idParam, updateQueueBody } from '../schemas.js';
import { queueToApi } from '../../representation/public-records.js';

/** A queue as the API shows it, with its overflow (null when it has none). */
const routingQueueToApi = (q: QueueDoc) => ({
  ...queueToApi(q),
  maxWaitSeconds: q.maxWaitSeconds ?? null,
  overflowQueueId: q.overflowQueueId ? String(q.overflowQueueId) : null,
});
const routingQueueResponse = queueResponse.extend({ maxWaitSeconds: z.number().int().min(1).nullable(), overflowQueueId: z.string().nullable() });

const writeErrors = { '403': 'admin_required', '422': 'agent_not_found, overflow_queue_not_found, overflow_to_itself', ...commonErrors } as const;

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const queueOperations: Operations = {
  '/v1/queues': {
    post: {
      summary: 'Create a routing queue (admin): match rules, priority, strategy, member agents, overflow (maxWaitSeconds, overflowQueueId)',
      tags: ['queues'],
      body: createQueueBody,
      responses: { '201': { description: 'Created', schema: routingQueueResponse }, ...writeErrors },
    },
    get: { summary: 'List queues, highest priority first, the default queue last', tags: ['queues'], responses: { '200': { description: 'Queues', schema: listOf(routingQueueResponse) }, ...commonErrors } },
  },
  '/v1/queues/{id}': {
    get: { summary: 'Get a queue', tags: ['queues'], pathId: true, responses: { '200': { description: 'The queue', schema: routingQueueResponse }, ...commonErrors } },
    patch: {
      summary: 'Change a queue (admin); null removes maxWaitSeconds or overflowQueueId. Conversations already waiting keep their overflow timers',
      tags: ['queues'],
      pathId: true,
      body: updateQueueBody,
      responses: { '200': { description: 'The queue', schema: routingQueueResponse }, ...writeErrors },
    },
    delete: {
      summary: 'Delete a queue (admin): refused for the default queue, a queue others overflow into, or one with conversations waiting',
      tags: ['queues'],
      pathId: true,
      responses: { '204': 'Deleted', '403': 'admin_required', '409': 'default_queue, queue_in_use (details.overflowFrom), queue_not_empty (details.waiting)', ...commonErrors },
    },
  },
};

export function queueRoutes(ctx: AppContext): Router {
  const router = Router();

  /** Members must be agents of the workspace: routing would otherwise try ids that never assign. */
  const checkAgents = async (workspaceId: Types.ObjectId, agentIds: string[]) => {
    const found = await ctx.store.agents.countDocuments({ workspaceId, _id: { $in: agentIds } });
    if (found !== new Set(agentIds).size) throw unprocessable('agent_not_found', 'agentIds names an agent this workspace does not have');
  };
  /** The overflow queue must be another queue of the workspace (a cycle over several queues stops at run time). */
  const checkOverflow = async (workspaceId: Types.ObjectId, overflowQueueId: string, queueId?: string) => {
    if (overflowQueueId === queueId) throw unprocessable('overflow_to_itself', 'A queue cannot overflow into itself');
    if (!(await ctx.store.routingQueues.exists({ _id: overflowQueueId, workspaceId }))) {
      throw unprocessable('overflow_queue_not_found', 'overflowQueueId is not a queue of this workspace');
    }
  };
  /** null in a body removes the field. */
  const writeOf = (body: Record<string, unknown>) => {
    const set = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
    const unset = Object.keys(body).filter((k) => body[k] === null);
    return { $set: set, ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((k) => [k, ''])) }) };
  };

  router.post(
    '/queues',
    requireAdmin,
    idempotent(ctx, async (req, res) => {
      const body = createQueueBody.parse(req.body);
      const { workspaceId } = authOf(res);
      await checkAgents(workspaceId, body.agentIds);
      if (body.overflowQueueId) await checkOverflow(workspaceId, body.overflowQueueId);
      const { maxWaitSeconds, overflowQueueId, ...fields } = body;
      // The default queue is made by the router on first use; created ones are never the default.
      const queue = await ctx.store.routingQueues.create({
        ...fields,
        ...(maxWaitSeconds && { maxWaitSeconds }),
        ...(overflowQueueId && { overflowQueueId }),
        agentIds: [...new Set(body.agentIds)],
        workspaceId,
        isDefault: false,
      });
      await ctx.workspaceQueues.changed(workspaceId);
      return { status: 201, body: routingQueueToApi(queue.toObject()) };
    }),
  );

  /** All queues, highest priority first, the default one (made now if missing) last. */
  router.get('/queues', async (_req, res) => {
    const { workspaceId } = authOf(res);
    const fallback = await ctx.router.defaultQueue(workspaceId);
    const others = await ctx.store.routingQueues.find({ workspaceId, isDefault: false }).sort({ priority: -1, _id: 1 }).lean();
    res.json({ data: [...others, fallback].map(routingQueueToApi) });
  });

  router.get('/queues/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const queue = await ctx.store.routingQueues.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!queue) throw notFound('Queue');
    res.json(routingQueueToApi(queue));
  });

  router.patch('/queues/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateQueueBody.parse(req.body);
    const { workspaceId } = authOf(res);
    if (body.agentIds) await checkAgents(workspaceId, body.agentIds);
    if (body.overflowQueueId) await checkOverflow(workspaceId, body.overflowQueueId, id);
    const update = writeOf({ ...body, ...(body.agentIds && { agentIds: [...new Set(body.agentIds)] }) });
    const queue = await ctx.store.routingQueues.findOneAndUpdate({ _id: id, workspaceId }, update, { returnDocument: 'after', runValidators: true }).lean();
    if (!queue) throw notFound('Queue');
    await ctx.workspaceQueues.changed(workspaceId);
    res.json(routingQueueToApi(queue));
  });

  /**
   * Removes a queue nothing depends on: not the default one, no other queue overflowing into it,
   * no conversation waiting in it. Conversations that passed through it keep its id in their
   * history; one routed into it while it is being removed finds it gone and is routed afresh the
   * next time it is routed.
   */
  router.delete('/queues/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { workspaceId } = authOf(res);
    const queue = await ctx.store.routingQueues.findOne({ _id: id, workspaceId }).lean();
    if (!queue) throw notFound('Queue');
    if (queue.isDefault) throw conflict('default_queue', 'The default queue cannot be deleted');
    const sources = await ctx.store.routingQueues.find({ workspaceId, overflowQueueId: queue._id }, { _id: 1 }).lean();
    if (sources.length > 0) {
      throw conflict('queue_in_use', 'Other queues overflow into this one: change them first', { overflowFrom: sources.map((q) => String(q._id)) });
    }
    const waiting = await ctx.store.conversations.countDocuments({ workspaceId, queueId: queue._id, status: 'queued' });
    if (waiting > 0) throw conflict('queue_not_empty', 'Conversations are waiting in this queue: transfer them first', { waiting });
    await ctx.store.routingQueues.deleteOne({ _id: queue._id });
    await ctx.workspaceQueues.changed(workspaceId);
    res.status(204).end();
  });
  return router;
}
