import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { createWorkspace } from '../../workspaces/workspace-service.js';
import { requireAdminToken } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { createWorkspaceBody } from '../schemas.js';

/** Instance-level administration, behind the operator's admin token. */
export function adminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(requireAdminToken(ctx.config.OMNIGATE_ADMIN_TOKEN));
  router.post(
    '/workspaces',
    idempotent(
      ctx.store.idempotencyRecords,
      async (req) => {
        const { name } = createWorkspaceBody.parse(req.body);
        const { workspace, apiKey } = await createWorkspace(ctx.store, name);
        return { status: 201, body: { workspace: { id: String(workspace._id), name: workspace.name }, apiKey } };
      },
      () => 'instance',
    ),
  );
  return router;
}
