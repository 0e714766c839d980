import { Router } from 'express';
import { z } from 'zod';
import type { QueueService } from '../../routing/queue-service.js';
import type { Store } from '../../store/index.js';
import type { QueueDoc } from '../../store/models/queue.js';
import { listOf, queueResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { createQueueBody, idParam, updateQueueBody } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';
import { queueToApi } from '../../representation/public-records.js';

/** A queue as the API shows it, with its overflow (null when it has none). */
const routingQueueToApi = (q: QueueDoc) => ({
  ...queueToApi(q),
  maxWaitSeconds: q.maxWaitSeconds ?? null,
  overflowQueueId: q.overflowQueueId ? String(q.overflowQueueId) : null,
});
const routingQueueResponse = queueResponse.extend({ maxWaitSeconds: z.number().int().min(1).nullable(), overflowQueueId: z.string().nullable() }).meta({ id: 'Queue' });
type _RoutingQueueMatch = Expect<SameShape<ReturnType<typeof routingQueueToApi>, typeof routingQueueResponse>>;

const writeErrors = ['admin_required', 'agent_not_found', 'overflow_queue_not_found', 'overflow_to_itself'] as const;

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const queueOperations: Operations = {
  '/v1/queues': {
    post: {
      operationId: 'createQueue',
      summary: 'Create a routing queue (admin): match rules, priority, strategy, member agents, overflow (maxWaitSeconds, overflowQueueId)',
      tags: ['queues'],
      body: createQueueBody,
      responses: { '201': { description: 'Created', schema: routingQueueResponse } },
      errors: writeErrors,
    },
    get: { operationId: 'listQueues', summary: 'List queues, highest priority first, the default queue last', tags: ['queues'], responses: { '200': { description: 'Queues', schema: listOf(routingQueueResponse) } } },
  },
  '/v1/queues/{id}': {
    get: { operationId: 'getQueue', summary: 'Get a queue', tags: ['queues'], responses: { '200': { description: 'The queue', schema: routingQueueResponse } } },
    patch: {
      operationId: 'updateQueue',
      summary: 'Change a queue (admin); null removes maxWaitSeconds or overflowQueueId. Conversations already waiting keep their overflow timers',
      tags: ['queues'],
      body: updateQueueBody,
      responses: { '200': { description: 'The queue', schema: routingQueueResponse } },
      errors: writeErrors,
    },
    delete: {
      operationId: 'deleteQueue',
      summary: 'Delete a queue (admin): refused for the default queue, a queue others overflow into, or one with conversations waiting',
      tags: ['queues'],
      responses: { '204': 'Deleted' },
      errors: ['admin_required', 'default_queue', 'queue_in_use', 'queue_not_empty'],
    },
  },
};

export function queueRoutes(deps: { queueService: QueueService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { queueService } = deps;

  router.post(
    '/queues',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const queue = await queueService.create(authOf(res).workspaceId, createQueueBody.parse(req.body));
      return { status: 201, body: routingQueueToApi(queue) };
    }),
  );

  router.get('/queues', async (_req, res) => {
    res.json({ data: (await queueService.list(authOf(res).workspaceId)).map(routingQueueToApi) });
  });

  router.get('/queues/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(routingQueueToApi(await queueService.get(authOf(res).workspaceId, id)));
  });

  router.patch('/queues/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(routingQueueToApi(await queueService.update(authOf(res).workspaceId, id, updateQueueBody.parse(req.body))));
  });

  router.delete('/queues/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await queueService.delete(authOf(res).workspaceId, id);
    res.status(204).end();
  });
  return router;
}
