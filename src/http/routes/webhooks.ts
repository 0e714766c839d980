import express, { Router, type Request, type Response } from 'express';
import type { HttpReply, WebhookRequest } from '../../../connectors/contract.js';
import type { AppContext } from '../../app/context.js';

/** Provider webhooks: `/webhooks/<connector>/<channelId>`, read as raw bytes for the signature. */
export function webhookRoutes(ctx: AppContext): Router {
  const router = Router();
  const toRequest = (req: Request): WebhookRequest => ({
    url: `${ctx.config.PUBLIC_BASE_URL.replace(/\/$/, '')}${req.originalUrl}`,
    headers: req.headers,
    query: req.query as Record<string, unknown>,
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  });
  const reply = (res: Response, r: HttpReply) => res.status(r.status).type(r.contentType).send(r.body);

  router.get('/:connector/:channelId', async (req, res) => {
    reply(res, await ctx.receiver.handshake(req.params.connector, req.params.channelId, toRequest(req)));
  });
  router.post(
    '/:connector/:channelId',
    express.raw({ type: () => true, limit: ctx.config.MAX_BODY_BYTES }),
    async (req, res) => {
      reply(res, await ctx.receiver.receive(req.params.connector, req.params.channelId, toRequest(req)));
    },
  );
  return router;
}
