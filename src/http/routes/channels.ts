import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { connectChannel } from '../../channels/connect-channel.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { createChannelBody, idParam } from '../schemas.js';
import { channelToApi, templateToApi } from '../serializers.js';

export function channelRoutes(ctx: AppContext): Router {
  const router = Router();
  const base = ctx.config.PUBLIC_BASE_URL;

  router.post(
    '/channels',
    requireAdmin,
    idempotent(ctx, async (req, res) => {
      const body = createChannelBody.parse(req.body);
      const { view } = await connectChannel(ctx, authOf(res).workspaceId, body);
      return { status: 201, body: view };
    }),
  );
  router.get('/channels', async (_req, res) => {
    const channels = await ctx.store.channels.find({ workspaceId: authOf(res).workspaceId }).sort({ _id: -1 }).lean();
    res.json({ data: channels.map((c) => channelToApi(c, base, ctx.channels.isPulled(c))) });
  });
  router.get('/channels/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const channel = await ctx.channels.get(authOf(res).workspaceId, id);
    res.json(channelToApi(channel, base, ctx.channels.isPulled(channel)));
  });
  router.get('/channels/:id/templates', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const channel = await ctx.channels.get(authOf(res).workspaceId, id);
    const templates = await ctx.store.templates.find({ channelId: channel._id }).sort({ name: 1, language: 1 }).lean();
    res.json({ data: templates.map(templateToApi) });
  });
  router.post('/channels/:id/templates/sync', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const channel = await ctx.channels.get(authOf(res).workspaceId, id);
    const synced = await ctx.templates.syncFromProvider(ctx.channels.resolve(channel));
    res.json({ synced });
  });
  return router;
}
