import { Router } from 'express';
import { z } from 'zod';
import type { SubscriptionService } from '../../webhooks/subscription-service.js';
import { MAX_REPLAY_EVENTS } from '../../webhooks/replay.js';
import type { Store } from '../../store/index.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { deliveryResponse, pageOf, subscriptionResponse } from '../api-schemas.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { createSubscriptionBody, idParam, paginationQuery } from '../schemas.js';
import { deliveryToApi, subscriptionToApi } from '../../representation/public-records.js';
import { DELIVERY_STATES } from '../../domain/webhook-delivery.js';

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

const withSecret = subscriptionResponse.extend({ secret: z.string().describe('The whsec_ signing secret, shown once') }).meta({ id: 'WebhookSubscriptionWithSecret' });

/** What a subscription's URL and event filter are checked for. */
const writeErrors = ['admin_required', 'unknown_event_type', 'webhook_url_forbidden'] as const;
export const webhookSubscriptionOperations: Operations = {
  '/v1/webhook-subscriptions': {
    post: {
      operationId: 'createWebhookSubscription',
      summary: 'Subscribe a helpdesk URL to events (admin); the whsec_ signing secret is shown once',
      tags: ['webhooks'],
      body: createSubscriptionBody,
      responses: { '201': { description: 'Created', schema: withSecret } },
      errors: writeErrors,
    },
    get: {
      operationId: 'listWebhookSubscriptions',
      summary: 'List webhook subscriptions, newest first',
      tags: ['webhooks'],
      query: paginationQuery,
      responses: { '200': { description: 'A page of subscriptions', schema: pageOf(subscriptionResponse) } },
    },
  },
  '/v1/webhook-subscriptions/{id}': {
    get: { operationId: 'getWebhookSubscription', summary: 'Get a subscription', tags: ['webhooks'], responses: { '200': { description: 'The subscription', schema: subscriptionResponse } } },
    patch: {
      operationId: 'updateWebhookSubscription',
      summary: 'Change a subscription (admin); enabled: true re-enables it and clears the disabled reason and failure streak',
      tags: ['webhooks'],
      body: updateSubscriptionBody,
      responses: { '200': { description: 'The subscription', schema: subscriptionResponse } },
      errors: writeErrors,
    },
    delete: {
      operationId: 'deleteWebhookSubscription',
      summary: 'Delete a subscription (admin); its pending deliveries fail',
      tags: ['webhooks'],
      responses: { '204': 'Deleted' },
      errors: ['admin_required'],
    },
  },
  '/v1/webhook-subscriptions/{id}/rotate-secret': {
    post: {
      operationId: 'rotateWebhookSecret',
      summary: 'A new signing secret, shown once; for WEBHOOK_SECRET_ROTATION_HOURS deliveries carry signatures by the old and the new one (admin)',
      tags: ['webhooks'],
      responses: { '200': { description: 'The new secret', schema: withSecret } },
      errors: ['admin_required'],
    },
  },
  '/v1/webhook-subscriptions/{id}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log of a subscription, newest event first, with every attempt (status or network error, latency, response excerpt)',
      tags: ['webhooks'],
      query: listDeliveriesQuery,
      responses: { '200': { description: 'A page of deliveries', schema: pageOf(deliveryResponse) } },
    },
  },
  '/v1/webhook-subscriptions/{id}/replay': {
    post: {
      operationId: 'replayWebhookEvents',
      summary: `Deliver again every event of [from, to) that matches the filter, as new deliveries in event order (admin; at most ${MAX_REPLAY_EVENTS} events)`,
      tags: ['webhooks'],
      body: replayRangeBody,
      responses: { '202': { description: 'Queued', schema: z.object({ replayId: z.string(), deliveries: z.number() }) } },
      errors: ['admin_required', 'subscription_disabled', 'replay_too_large'],
    },
  },
  '/v1/webhook-deliveries/{id}': {
    get: { operationId: 'getWebhookDelivery', summary: 'Get one delivery with its attempts', tags: ['webhooks'], responses: { '200': { description: 'The delivery', schema: deliveryResponse } } },
  },
  '/v1/webhook-deliveries/{id}/replay': {
    post: {
      operationId: 'replayWebhookDelivery',
      summary: 'Send a finished delivery again now as a new round of attempts, with the same webhook-id (admin)',
      tags: ['webhooks'],
      responses: { '202': { description: 'Queued', schema: deliveryResponse } },
      errors: ['admin_required', 'delivery_pending', 'subscription_disabled'],
    },
  },
};

/** Helpdesk endpoints that receive the workspace's events, signed the Standard Webhooks way. */
export function webhookSubscriptionRoutes(deps: { subscriptionService: SubscriptionService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { subscriptionService } = deps;

  router.post(
    '/webhook-subscriptions',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { subscription, secret } = await subscriptionService.create(authOf(res).workspaceId, createSubscriptionBody.parse(req.body));
      return { status: 201, body: { ...subscriptionToApi(subscription), secret } };
    }),
  );
  router.get('/webhook-subscriptions', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    res.json(page(await subscriptionService.list(authOf(res).workspaceId, q), q.limit, subscriptionToApi));
  });
  router.get('/webhook-subscriptions/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(subscriptionToApi(await subscriptionService.get(authOf(res).workspaceId, id)));
  });
  router.patch('/webhook-subscriptions/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    const body = updateSubscriptionBody.parse(req.body);
    res.json(subscriptionToApi(await subscriptionService.update(authOf(res).workspaceId, id, body)));
  });
  router.delete('/webhook-subscriptions/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await subscriptionService.delete(authOf(res).workspaceId, id);
    res.status(204).end();
  });

  router.post(
    '/webhook-subscriptions/:id/rotate-secret',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { subscription, secret } = await subscriptionService.rotateSecret(authOf(res).workspaceId, id);
      return { status: 200, body: { ...subscriptionToApi(subscription), secret } };
    }),
  );

  router.get('/webhook-subscriptions/:id/deliveries', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = listDeliveriesQuery.parse(req.query);
    const deliveries = await subscriptionService.deliveries(authOf(res).workspaceId, id, q);
    const items = deliveries.slice(0, q.limit);
    const last = items[items.length - 1];
    res.json({ data: items.map(deliveryToApi), nextCursor: deliveries.length > q.limit && last ? last.orderKey : null });
  });

  router.post(
    '/webhook-subscriptions/:id/replay',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = replayRangeBody.parse(req.body);
      const range = { from: new Date(body.from), to: new Date(body.to) };
      const replay = await subscriptionService.replay(authOf(res).workspaceId, id, range, req.get('idempotency-key'));
      return { status: 202, body: replay };
    }),
  );

  router.get('/webhook-deliveries/:id', async (req, res) => {
    const { id } = deliveryIdParam.parse(req.params);
    res.json(deliveryToApi(await subscriptionService.getDelivery(authOf(res).workspaceId, id)));
  });
  router.post(
    '/webhook-deliveries/:id/replay',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = deliveryIdParam.parse(req.params);
      return { status: 202, body: deliveryToApi(await subscriptionService.replayDelivery(authOf(res).workspaceId, id)) };
    }),
  );
  return router;
}
