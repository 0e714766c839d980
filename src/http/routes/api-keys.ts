import { Router } from 'express';
import { forbidden } from '../../errors.js';
import type { ApiKeyService } from '../../security/api-key-service.js';
import type { Store } from '../../store/index.js';
import type { ApiKeyDoc } from '../../store/models/api-key.js';
import { apiKeyResponse, createdApiKeyResponse, listOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { createApiKeyBody, idParam } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const apiKeyOperations: Operations = {
  '/v1/api-keys': {
    post: {
      operationId: 'createApiKey',
      summary: 'Create an API key (admin, with an API key: a session token may not)',
      tags: ['workspace'],
      body: createApiKeyBody,
      responses: { '201': { description: 'Created; the key is shown once', schema: createdApiKeyResponse } },
      errors: ['admin_required', 'session_needs_api_key'],
    },
    get: {
      operationId: 'listApiKeys',
      summary: 'List API keys (admin)',
      tags: ['workspace'],
      responses: { '200': { description: 'Keys, without secrets', schema: listOf(apiKeyResponse) } },
      errors: ['admin_required'],
    },
  },
  '/v1/api-keys/{id}': {
    delete: {
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (admin): it stops working at once and stays listed as revoked; revoking twice is harmless',
      tags: ['workspace'],
      responses: { '204': 'Revoked' },
      errors: ['admin_required', 'cannot_revoke_own_key'],
    },
  },
};

const apiKeyToApi = (k: ApiKeyDoc) => ({ id: String(k._id), name: k.name, role: k.role, prefix: k.prefix, revoked: Boolean(k.revokedAt) });
type _ApiKeyMatch = Expect<SameShape<ReturnType<typeof apiKeyToApi>, typeof apiKeyResponse>>;

export function apiKeyRoutes(deps: { apiKeyService: ApiKeyService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { apiKeyService } = deps;
  router.post(
    '/api-keys',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { workspaceId, sessionToken } = authOf(res);
      // A session ends with its sign-in; a key made with one would outlive it.
      if (sessionToken) throw forbidden('session_needs_api_key', 'Only an API key creates API keys, not a session token');
      return { status: 201, body: await apiKeyService.create(workspaceId, createApiKeyBody.parse(req.body)) };
    }),
  );
  router.get('/api-keys', requireAdmin, async (_req, res) => {
    res.json({ data: (await apiKeyService.list(authOf(res).workspaceId)).map(apiKeyToApi) });
  });
  router.delete('/api-keys/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { workspaceId, keyId } = authOf(res);
    await apiKeyService.revoke(workspaceId, id, keyId);
    res.status(204).end();
  });
  return router;
}
