import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { conflict, notFound } from '../../errors.js';
import type { ApiKeyDoc } from '../../store/models/api-key.js';
import { createApiKey } from '../../workspaces/workspace-service.js';
import { apiKeyResponse, createdApiKeyResponse, listOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { commonErrors, type Operations } from '../operation.js';
import { createApiKeyBody, idParam } from '../schemas.js';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const apiKeyOperations: Operations = {
  '/v1/api-keys': {
    post: {
      summary: 'Create an API key (admin)',
      tags: ['workspace'],
      body: createApiKeyBody,
      responses: { '201': { description: 'Created; the key is shown once', schema: createdApiKeyResponse }, '403': 'admin_required', ...commonErrors },
    },
    get: { summary: 'List API keys (admin)', tags: ['workspace'], responses: { '200': { description: 'Keys, without secrets', schema: listOf(apiKeyResponse) }, '403': 'admin_required', ...commonErrors } },
  },
  '/v1/api-keys/{id}': {
    delete: {
      summary: 'Revoke an API key (admin): it stops working at once and stays listed as revoked; revoking twice is harmless',
      tags: ['workspace'],
      pathId: true,
      responses: { '204': 'Revoked', '403': 'admin_required', '409': 'cannot_revoke_own_key (use another admin key)', ...commonErrors },
    },
  },
};

const apiKeyToApi = (k: ApiKeyDoc) => ({ id: String(k._id), name: k.name, role: k.role, prefix: k.prefix, revoked: Boolean(k.revokedAt) });

export function apiKeyRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post(
    '/api-keys',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { name, role } = createApiKeyBody.parse(req.body);
      return { status: 201, body: await createApiKey(ctx.store, authOf(res).workspaceId, name, role) };
    }),
  );
  router.get('/api-keys', requireAdmin, async (_req, res) => {
    const keys = await ctx.store.apiKeys.find({ workspaceId: authOf(res).workspaceId }).sort({ _id: -1 }).lean();
    res.json({ data: keys.map(apiKeyToApi) });
  });
  // A key cannot revoke itself, so a workspace always keeps the admin key that revoked the others.
  router.delete('/api-keys/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { workspaceId, keyId } = authOf(res);
    if (id === String(keyId)) throw conflict('cannot_revoke_own_key', 'An API key cannot revoke itself; use another admin key');
    const key = await ctx.store.apiKeys.findOne({ _id: id, workspaceId }).lean();
    if (!key) throw notFound('API key');
    if (!key.revokedAt) await ctx.store.apiKeys.updateOne({ _id: key._id, revokedAt: { $exists: false } }, { $set: { revokedAt: ctx.clock.now() } });
    res.status(204).end();
  });
  return router;
}
