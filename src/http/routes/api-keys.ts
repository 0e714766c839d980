import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { createApiKey } from '../../workspaces/workspace-service.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { createApiKeyBody } from '../schemas.js';

export function apiKeyRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post(
    '/api-keys',
    requireAdmin,
    idempotent(ctx, async (req, res) => {
      const { name, role } = createApiKeyBody.parse(req.body);
      return { status: 201, body: await createApiKey(ctx.store, authOf(res).workspaceId, name, role) };
    }),
  );
  router.get('/api-keys', requireAdmin, async (_req, res) => {
    const keys = await ctx.store.apiKeys.find({ workspaceId: authOf(res).workspaceId }).sort({ _id: -1 }).lean();
    res.json({
      data: keys.map((k) => ({ id: String(k._id), name: k.name, role: k.role, prefix: k.prefix, revoked: Boolean(k.revokedAt) })),
    });
  });
  return router;
}
