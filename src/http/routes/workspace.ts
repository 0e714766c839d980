import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { notFound } from '../../errors.js';
import { lifecycleSettingsOf, type WorkspaceDoc } from '../../store/models/workspace.js';
import { authOf, requireAdmin } from '../auth.js';
import { updateWorkspaceSettingsBody } from '../schemas.js';

/** The workspace as the API shows it, with every setting filled in (stored or default). */
const workspaceToApi = (w: WorkspaceDoc) => ({ id: String(w._id), name: w.name, settings: lifecycleSettingsOf(w) });

export function workspaceRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/workspace', requireAdmin, async (_req, res) => {
    const workspace = await ctx.store.workspaces.findById(authOf(res).workspaceId).lean();
    if (!workspace) throw notFound('Workspace');
    res.json(workspaceToApi(workspace));
  });

  // Timers already scheduled keep their delays; the new settings apply from the next status change or customer message.
  router.patch('/workspace/settings', requireAdmin, async (req, res) => {
    const body = updateWorkspaceSettingsBody.parse(req.body);
    const update = Object.fromEntries(Object.entries(body).map(([k, v]) => [`settings.${k}`, v]));
    const workspace = await ctx.store.workspaces.findByIdAndUpdate(authOf(res).workspaceId, { $set: update }, { new: true, runValidators: true }).lean();
    if (!workspace) throw notFound('Workspace');
    res.json(workspaceToApi(workspace));
  });
  return router;
}
