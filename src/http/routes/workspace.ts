import { Router } from 'express';
import { lifecycleSettingsOf, type WorkspaceDoc } from '../../store/models/workspace.js';
import { csatSettingsOf } from '../../csat/csat-settings.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';
import { authOf, requireAdmin } from '../auth.js';
import { workspaceResponse } from '../api-schemas.js';
import type { Operations } from '../operation.js';
import { updateWorkspaceSettingsBody } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';

/** The workspace as the API shows it, with every setting filled in (stored or default). */
const workspaceToApi = (w: WorkspaceDoc) => ({ id: String(w._id), name: w.name, settings: { closingMessage: null, webhookAllowedHosts: [], ...lifecycleSettingsOf(w), csat: csatSettingsOf(w) } });
type _WorkspaceMatch = Expect<SameShape<ReturnType<typeof workspaceToApi>, typeof workspaceResponse>>;

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const workspaceOperations: Operations = {
  '/v1/workspace': {
    get: {
      operationId: 'getWorkspace',
      summary: "The caller's workspace with its settings, defaults filled in (admin)",
      tags: ['workspace'],
      responses: { '200': { description: 'The workspace', schema: workspaceResponse } },
      errors: ['admin_required'],
    },
  },
  '/v1/workspace/settings': {
    patch: {
      operationId: 'updateWorkspaceSettings',
      summary: 'Change lifecycle settings (admin); timers already scheduled keep their delays',
      tags: ['workspace'],
      body: updateWorkspaceSettingsBody,
      responses: { '200': { description: 'The workspace', schema: workspaceResponse } },
      errors: ['admin_required'],
    },
  },
};

export function workspaceRoutes(deps: { workspaceService: WorkspaceService }): Router {
  const router = Router();
  const { workspaceService } = deps;
  router.get('/workspace', requireAdmin, async (_req, res) => {
    res.json(workspaceToApi(await workspaceService.get(authOf(res).workspaceId)));
  });
  router.patch('/workspace/settings', requireAdmin, async (req, res) => {
    res.json(workspaceToApi(await workspaceService.updateSettings(authOf(res).workspaceId, updateWorkspaceSettingsBody.parse(req.body))));
  });
  return router;
}
