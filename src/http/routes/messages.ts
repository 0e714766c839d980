import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { notFound } from '../../errors.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { idParam } from '../schemas.js';
import { messageToApi } from '../../representation/public-records.js';

export function messageRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/messages/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const message = await ctx.store.messages.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!message) throw notFound('Message');
    res.json(messageToApi(message));
  });
  router.post(
    '/messages/:id/retry',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      return { status: 202, body: messageToApi(await ctx.sender.retry(authOf(res).workspaceId, id)) };
    }),
  );
  return router;
}
