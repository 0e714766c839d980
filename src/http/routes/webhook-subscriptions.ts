import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { badRequest, notFound } from '../../errors.js';
import { MAX_REPLAY_EVENTS, replayDelivery, replayRange } from '../../events/webhook-replay.js';
import { EVENT_TYPES } from '../../events/outbox.js';
import { rotateSecrets } from '../../webhooks/secrets.js';
import { generateWebhookSecret } from '../../webhooks/signature.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { deliveryResponse, pageOf, subscriptionResponse } from '../api-schemas.js';
import { commonErrors, type Operations } from '../operation.js';
import { cursorFilter, page } from '../pagination.js';
import { createSubscriptionBody, idParam, paginationQuery } from '../schemas.js';
import { deliveryToApi, subscriptionToApi } from '../../representation/public-records.js';
import { DELIVERY_STATES } from '../../domain/webhook-delivery.js';

const HOUR_MS = 3600 * 1000;

const eventFilter = z.array(z.string().min(1)).min(1);
export const updateSubscriptionBody = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }),
    events: eventFilter,
    description: z.string().max(500).nullable(),
    /** true re-enables a disabled endpoint and starts its failure count again. */
    enabled: z.boolean(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'Give at least one field to change');
const orderKey = z.string().regex(/^\d{13}-\d{12}$/, 'must be a cursor from a previous page');
export const listDeliveriesQuery = paginationQuery.extend({ cursor: orderKey.optional(), state: z.enum(DELIVERY_STATES).optional() });
export const replayRangeBody = z
  .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: 'from must be before to', path: ['to'] });
const deliveryIdParam = z.strictObject({ id: z.string().min(1).max(300) });

const withSecret = subscriptionResponse.extend({ secret: z.string().describe('The whsec_ signing secret, shown once') });

const errors = commonErrors;
const admin = { '403': 'Admin key required' };
export const webhookSubscriptionOperations: Operations = {
  '/v1/webhook-subscriptions': {
    post: {
      summary: 'Subscribe a helpdesk URL to events (admin); the whsec_ signing secret is shown once',
      tags: ['webhooks'],
      body: createSubscriptionBody,
      responses: { '201': { description: 'Created', schema: withSecret }, ...admin, ...errors, '400': 'unknown_event_type, webhook_url_forbidden (private address not allowlisted)' },
    },
    get: {
      summary: 'List webhook subscriptions, newest first',
      tags: ['webhooks'],
      query: paginationQuery,
      responses: { '200': { description: 'A page of subscriptions', schema: pageOf(subscriptionResponse) }, ...errors },
    },
  },
  '/v1/webhook-subscriptions/{id}': {
    get: { summary: 'Get a subscription', tags: ['webhooks'], pathId: true, responses: { '200': { description: 'The subscription', schema: subscriptionResponse }, ...errors } },
    patch: {
      summary: 'Change a subscription (admin); enabled: true re-enables it and clears the disabled reason and failure streak',
      tags: ['webhooks'],
      pathId: true,
      body: updateSubscriptionBody,
      responses: { '200': { description: 'The subscription', schema: subscriptionResponse }, ...admin, ...errors, '400': 'unknown_event_type, webhook_url_forbidden' },
    },
    delete: { summary: 'Delete a subscription (admin); its pending deliveries fail', tags: ['webhooks'], pathId: true, responses: { '204': 'Deleted', ...admin, ...errors } },
  },
  '/v1/webhook-subscriptions/{id}/rotate-secret': {
    post: {
      summary: 'A new signing secret, shown once; for WEBHOOK_SECRET_ROTATION_HOURS deliveries carry signatures by the old and the new one (admin)',
      tags: ['webhooks'],
      pathId: true,
      responses: { '200': { description: 'The new secret', schema: withSecret }, ...admin, ...errors },
    },
  },
  '/v1/webhook-subscriptions/{id}/deliveries': {
    get: {
      summary: 'The delivery log of a subscription, newest event first, with every attempt (status or network error, latency, response excerpt)',
      tags: ['webhooks'],
      pathId: true,
      query: listDeliveriesQuery,
      responses: { '200': { description: 'A page of deliveries', schema: z.object({ data: z.array(deliveryResponse), nextCursor: z.string().nullable() }) }, ...errors },
    },
  },
  '/v1/webhook-subscriptions/{id}/replay': {
    post: {
      summary: `Deliver again every event of [from, to) that matches the filter, as new deliveries in event order (admin; at most ${MAX_REPLAY_EVENTS} events)`,
      tags: ['webhooks'],
      pathId: true,
      body: replayRangeBody,
      responses: {
        '202': { description: 'Queued', schema: z.object({ replayId: z.string(), deliveries: z.number() }) },
        ...admin,
        '409': 'subscription_disabled',
        '422': 'replay_too_large',
        ...errors,
      },
    },
  },
  '/v1/webhook-deliveries/{id}': {
    get: { summary: 'Get one delivery with its attempts', tags: ['webhooks'], pathId: true, responses: { '200': { description: 'The delivery', schema: deliveryResponse }, ...errors } },
  },
  '/v1/webhook-deliveries/{id}/replay': {
    post: {
      summary: 'Send a finished delivery again now as a new round of attempts, with the same webhook-id (admin)',
      tags: ['webhooks'],
      pathId: true,
      responses: { '202': { description: 'Queued', schema: deliveryResponse }, ...admin, '409': 'delivery_pending, subscription_disabled', ...errors },
    },
  },
};

/** Helpdesk endpoints that receive the workspace's events, signed the Standard Webhooks way. */
export function webhookSubscriptionRoutes(ctx: AppContext): Router {
  const router = Router();
  const dispatchDeps = { store: ctx.store, queues: ctx.queues, redis: ctx.redis, keyPrefix: ctx.config.QUEUE_PREFIX };

  const checkEvents = (events: string[]) => {
    const unknown = events.filter((e) => e !== '*' && !(EVENT_TYPES as readonly string[]).includes(e));
    if (unknown.length > 0) throw badRequest('unknown_event_type', `Unknown event types: ${unknown.join(', ')}`, { known: EVENT_TYPES });
  };
  const checkUrl = async (url: string, res: Response) => {
    await ctx.webhookTargets.assertAllowed(authOf(res).workspaceId, url).catch((err: Error) => {
      throw badRequest('webhook_url_forbidden', err.message);
    });
  };
  const findSubscription = async (id: string, res: Response) => {
    const sub = await ctx.store.webhookSubscriptions.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!sub) throw notFound('Webhook subscription');
    return sub;
  };

  router.post(
    '/webhook-subscriptions',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const body = createSubscriptionBody.parse(req.body);
      checkEvents(body.events);
      await checkUrl(body.url, res);
      const secret = generateWebhookSecret();
      const sub = await ctx.store.webhookSubscriptions.create({
        workspaceId: authOf(res).workspaceId,
        url: body.url,
        events: body.events,
        description: body.description,
        secrets: ctx.secretBox.seal([secret]),
      });
      await ctx.subscriptions.changed(sub.workspaceId);
      // The signing secret is shown once, at creation (and at each rotation).
      return { status: 201, body: { ...subscriptionToApi(sub.toObject()), secret } };
    }),
  );
  router.get('/webhook-subscriptions', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    const subs = await ctx.store.webhookSubscriptions
      .find({ workspaceId: authOf(res).workspaceId, ...cursorFilter(q.cursor) })
      .sort({ _id: -1 })
      .limit(q.limit + 1)
      .lean();
    res.json(page(subs, q.limit, subscriptionToApi));
  });
  router.get('/webhook-subscriptions/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(subscriptionToApi(await findSubscription(id, res)));
  });
  router.patch('/webhook-subscriptions/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateSubscriptionBody.parse(req.body);
    const sub = await findSubscription(id, res);
    if (body.events) checkEvents(body.events);
    if (body.url) await checkUrl(body.url, res);
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, 1> = {};
    if (body.url !== undefined) $set.url = body.url;
    if (body.events !== undefined) $set.events = body.events;
    if (body.description === null) $unset.description = 1;
    else if (body.description !== undefined) $set.description = body.description;
    if (body.enabled === false && sub.enabled) Object.assign($set, { enabled: false, disabledReason: 'Disabled through the API', disabledAt: ctx.clock.now() });
    // Re-enabling starts afresh: the reason goes, and so does the failure streak that may have caused it.
    if (body.enabled === true && !sub.enabled) {
      $set.enabled = true;
      Object.assign($unset, { disabledReason: 1, disabledAt: 1, failingSince: 1 });
    }
    const update = { ...(Object.keys($set).length > 0 && { $set }), ...(Object.keys($unset).length > 0 && { $unset }) };
    const updated = await ctx.store.webhookSubscriptions.findOneAndUpdate({ _id: sub._id, workspaceId: sub.workspaceId }, update, { returnDocument: 'after' }).lean();
    if (!updated) throw notFound('Webhook subscription');
    await ctx.subscriptions.changed(sub.workspaceId);
    res.json(subscriptionToApi(updated));
  });
  router.delete('/webhook-subscriptions/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const deleted = await ctx.store.webhookSubscriptions.deleteOne({ _id: id, workspaceId: authOf(res).workspaceId });
    if (deleted.deletedCount === 0) throw notFound('Webhook subscription');
    await ctx.subscriptions.changed(authOf(res).workspaceId);
    res.status(204).end();
  });

  router.post(
    '/webhook-subscriptions/:id/rotate-secret',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const sub = await findSubscription(id, res);
      const { secret, update } = rotateSecrets(ctx.secretBox, sub, ctx.clock.now(), ctx.config.WEBHOOK_SECRET_ROTATION_HOURS * HOUR_MS);
      const updated = await ctx.store.webhookSubscriptions.findOneAndUpdate({ _id: sub._id, workspaceId: sub.workspaceId }, { $set: update }, { returnDocument: 'after' }).lean();
      if (!updated) throw notFound('Webhook subscription');
      await ctx.subscriptions.changed(sub.workspaceId);
      return { status: 200, body: { ...subscriptionToApi(updated), secret } };
    }),
  );

  router.get('/webhook-subscriptions/:id/deliveries', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = listDeliveriesQuery.parse(req.query);
    const sub = await findSubscription(id, res);
    const deliveries = await ctx.store.webhookDeliveries
      .find({ subscriptionId: sub._id, ...(q.state && { state: q.state }), ...(q.cursor && { orderKey: { $lt: q.cursor } }) })
      .sort({ orderKey: -1 })
      .limit(q.limit + 1)
      .lean();
    const items = deliveries.slice(0, q.limit);
    const last = items[items.length - 1];
    res.json({ data: items.map(deliveryToApi), nextCursor: deliveries.length > q.limit && last ? last.orderKey : null });
  });

  router.post(
    '/webhook-subscriptions/:id/replay',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = replayRangeBody.parse(req.body);
      const sub = await findSubscription(id, res);
      // Named after the Idempotency-Key when there is one, so a retried request re-creates the same deliveries.
      const key = req.get('idempotency-key');
      const replayId = key ? createHash('sha256').update(key).digest('hex').slice(0, 24) : String(new Types.ObjectId());
      const deliveries = await replayRange(dispatchDeps, sub, { from: new Date(body.from), to: new Date(body.to) }, replayId);
      return { status: 202, body: { replayId, deliveries } };
    }),
  );

  router.get('/webhook-deliveries/:id', async (req, res) => {
    const { id } = deliveryIdParam.parse(req.params);
    const delivery = await ctx.store.webhookDeliveries.findOne({ _id: id, workspaceId: authOf(res).workspaceId }).lean();
    if (!delivery) throw notFound('Webhook delivery');
    res.json(deliveryToApi(delivery));
  });
  router.post(
    '/webhook-deliveries/:id/replay',
    requireAdmin,
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = deliveryIdParam.parse(req.params);
      const replayed = await replayDelivery({ store: ctx.store, deliverer: ctx.webhookDeliverer }, authOf(res).workspaceId, id);
      return { status: 202, body: deliveryToApi(replayed) };
    }),
  );
  return router;
}
