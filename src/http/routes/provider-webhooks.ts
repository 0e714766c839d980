import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { HttpReply, WebhookRequest } from '../../../connectors/contract.js';
import type { WebhookReceiver } from '../../ingest/webhook-receiver.js';
import type { Operations } from '../operation.js';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const providerWebhookOperations: Operations = {
  '/webhooks/{connector}/{channelId}': {
    get: {
      operationId: 'verifyProviderWebhook',
      summary: 'Provider subscription handshake (e.g. hub.challenge)',
      tags: ['provider webhooks'],
      auth: 'provider',
      responses: { '200': 'Challenge echoed' },
      errors: ['verification_failed', 'unknown_channel', 'method_not_allowed'],
    },
    post: {
      operationId: 'receiveProviderWebhook',
      summary: 'Provider webhook; acknowledged only once recorded',
      tags: ['provider webhooks'],
      auth: 'provider',
      responses: { '200': { description: "Recorded; the acknowledgement in the provider's own format", schema: z.unknown() }, '503': 'Not recorded; the provider retries' },
      errors: ['invalid_payload', 'invalid_signature', 'unknown_channel', 'payload_too_large', 'invalid_body_encoding', 'unsupported_media_type', 'not_recorded'],
    },
  },
};

export interface ProviderWebhookRouteDeps {
  receiver: WebhookReceiver;
  /** The URL providers sign against is the public one, not the one this process sees. */
  publicBaseUrl: string;
  maxBodyBytes: number;
}

/** Provider webhooks: `/webhooks/<connector>/<channelId>`, read as raw bytes for the signature. */
export function providerWebhookRoutes(deps: ProviderWebhookRouteDeps): Router {
  const router = Router();
  const toRequest = (req: Request): WebhookRequest => ({
    url: `${deps.publicBaseUrl.replace(/\/$/, '')}${req.originalUrl}`,
    headers: req.headers,
    query: req.query as Record<string, unknown>,
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  });
  const reply = (res: Response, r: HttpReply) => res.status(r.status).type(r.contentType).send(r.body);

  router.get('/:connector/:channelId', async (req, res) => {
    reply(res, await deps.receiver.handshake(req.params.connector, req.params.channelId, toRequest(req)));
  });
  router.post(
    '/:connector/:channelId',
    express.raw({ type: () => true, limit: deps.maxBodyBytes }),
    async (req, res) => {
      reply(res, await deps.receiver.receiveWebhook(req.params.connector, req.params.channelId, toRequest(req)));
    },
  );
  return router;
}
