import { Router } from 'express';
import type { Store } from '../../store/index.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';
import { createdWorkspaceResponse } from '../api-schemas.js';
import { requireAdminToken } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { createWorkspaceBody } from '../schemas.js';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const adminOperations: Operations = {
  '/v1/admin/workspaces': {
    post: {
      operationId: 'createWorkspace',
      summary: 'Create a workspace and its first admin API key',
      tags: ['admin'],
      body: createWorkspaceBody,
      auth: 'adminToken',
      responses: { '201': { description: 'Created; the key is shown once', schema: createdWorkspaceResponse } },
    },
  },
};

export interface AdminRouteDeps {
  workspaceService: WorkspaceService;
  /** The instance operator's token (OMNIGATE_ADMIN_TOKEN). */
  adminToken: string;
  idempotencyRecords: Store['idempotencyRecords'];
}

/** Instance-level administration, behind the operator's admin token. */
export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  router.use(requireAdminToken(deps.adminToken));
  router.post(
    '/workspaces',
    idempotent(
      deps.idempotencyRecords,
      async (req) => {
        const { name } = createWorkspaceBody.parse(req.body);
        const { workspace, apiKey } = await deps.workspaceService.create(name);
        return { status: 201, body: { workspace: { id: String(workspace._id), name: workspace.name }, apiKey } };
      },
      () => 'instance',
    ),
  );
  return router;
}
