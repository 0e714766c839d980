import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { notFound } from '../../errors.js';
import { lifecycleSettingsOf, type WorkspaceDoc } from '../../store/models/workspace.js';
import { csatSettingsOf, csatSettingsUpdate } from '../../csat/csat-settings.js';
import { authOf, requireAdmin } from '../auth.js';
import { updateWorkspaceSettingsBody } from '../schemas.js';

/** The workspace as the API shows it, with every setting filled in (stored or default). */
const workspaceToApi = (w: WorkspaceDoc) => ({ id: String(w._id), name: w.name, settings: { closingMessage: null, webhookAllowedHosts: [], ...lifecycleSettingsOf(w), csat: csatSettingsOf(w) } });

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
    // CSAT settings are set field by field: turning the survey on keeps the stored message.
    const { csat, ...settings } = body;
    const update = { ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`settings.${k}`, v])), ...(csat && csatSettingsUpdate(csat)) };
    const workspace = await ctx.store.workspaces.findByIdAndUpdate(authOf(res).workspaceId, { $set: update }, { returnDocument: 'after', runValidators: true }).lean();
    if (!workspace) throw notFound('Workspace');
    await ctx.workspaceSettings.changed(workspace._id);
    res.json(workspaceToApi(workspace));
  });
  return router;
}
