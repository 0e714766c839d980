import { Router } from 'express';
import type { AppContext } from '../../app/context.js';
import { badRequest, notFound } from '../../errors.js';
import { EVENT_TYPES } from '../../events/outbox.js';
import { generateWebhookSecret } from '../../webhooks/signature.js';
import { assertPublicUrl } from '../../webhooks/url-guard.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { createSubscriptionBody, idParam } from '../schemas.js';
import { subscriptionToApi } from '../serializers.js';

/** Helpdesk endpoints that receive the workspace's events, signed the Standard Webhooks way. */
export function webhookSubscriptionRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post(
    '/webhook-subscriptions',
    requireAdmin,
    idempotent(ctx, async (req, res) => {
      const body = createSubscriptionBody.parse(req.body);
      const unknown = body.events.filter((e) => e !== '*' && !(EVENT_TYPES as readonly string[]).includes(e));
      if (unknown.length > 0) throw badRequest('unknown_event_type', `Unknown event types: ${unknown.join(', ')}`, { known: EVENT_TYPES });
      await assertPublicUrl(body.url, { allowlist: ctx.webhookDeliverer.allowedHosts }).catch((err: Error) => {
        throw badRequest('webhook_url_forbidden', err.message);
      });
      const secret = generateWebhookSecret();
      const sub = await ctx.store.webhookSubscriptions.create({
        workspaceId: authOf(res).workspaceId,
        url: body.url,
        events: body.events,
        description: body.description,
        secrets: ctx.secretBox.seal([secret]),
      });
      // The signing secret is shown once, at creation.
      return { status: 201, body: { ...subscriptionToApi(sub.toObject()), secret } };
    }),
  );
  router.get('/webhook-subscriptions', async (_req, res) => {
    const subs = await ctx.store.webhookSubscriptions.find({ workspaceId: authOf(res).workspaceId }).sort({ _id: -1 }).lean();
    res.json({ data: subs.map(subscriptionToApi) });
  });
  router.get('/webhook-subscriptions/:id/deliveries', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const sub = await ctx.store.webhookSubscriptions.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!sub) throw notFound('Webhook subscription');
    const deliveries = await ctx.store.webhookDeliveries.find({ subscriptionId: sub._id }).sort({ createdAt: -1 }).limit(100).lean();
    res.json({ data: deliveries.map((d) => ({ id: d._id, eventId: d.eventId, state: d.state, attempts: d.attempts })) });
  });
  router.delete('/webhook-subscriptions/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const deleted = await ctx.store.webhookSubscriptions.deleteOne({ _id: id, workspaceId: authOf(res).workspaceId });
    if (deleted.deletedCount === 0) throw notFound('Webhook subscription');
    res.status(204).end();
  });
  return router;
}
