import { Router } from 'express';
import type { Store } from '../../store/index.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';
import { requireAdminToken } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { createWorkspaceBody } from '../schemas.js';

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
