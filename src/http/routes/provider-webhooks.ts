import express, { Router, type Request, type Response } from 'express';
import type { HttpReply, WebhookRequest } from '../../../connectors/contract.js';
import type { WebhookReceiver } from '../../ingest/webhook-receiver.js';

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
      reply(res, await deps.receiver.receive(req.params.connector, req.params.channelId, toRequest(req)));
    },
  );
  return router;
}
