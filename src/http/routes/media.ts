import express, { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { badRequest, notFound } from '../../errors.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { idParam } from '../schemas.js';

/** Stored media: inbound media fetched from providers, and files agents upload to send. */
export function mediaRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post(
    '/media',
    express.raw({ type: () => true, limit: ctx.config.MAX_BODY_BYTES }),
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const mimeType = req.get('content-type');
      if (!mimeType || !Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw badRequest('invalid_media', 'Send the file as the raw body with its Content-Type');
      }
      const filename = req.get('x-filename') ?? undefined;
      const id = await ctx.store.media.put(req.body, { workspaceId: String(authOf(res).workspaceId), mimeType, filename });
      return { status: 201, body: { id, mimeType, size: req.body.length, filename: filename ?? null } };
    }),
  );
  router.get('/media/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const stored = await ctx.store.media.get(id, String(authOf(res).workspaceId));
    if (!stored) throw notFound('Media');
    res.type(stored.info.mimeType).send(stored.data);
  });
  return router;
}
