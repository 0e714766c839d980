import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { CSAT_SCORES } from '../../analytics/metrics.js';
import { problemPage, ratingFormPage, thanksPage } from '../../csat/csat-page.js';
import { ratingToApi, type CsatService } from '../../csat/csat-service.js';
import { AppError } from '../../errors.js';
import type { Store } from '../../store/index.js';
import { csatRatingResponse } from '../api-schemas.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';

const minScore = Math.min(...CSAT_SCORES);
const maxScore = Math.max(...CSAT_SCORES);

/** A rating as JSON (a number) or from the form (its text); anything but a whole 1..5 is a 400. */
export const csatRatingBody = z.strictObject({
  rating: z
    .union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)])
    .pipe(z.number().int().min(minScore).max(maxScore)),
  comment: z
    .string()
    .trim()
    .max(2000)
    .optional()
    .transform((c) => c || undefined),
});

const csatLinkResponse = z
  .object({
    state: z.enum(['open', 'rated']).describe('open: waiting for the rating; rated: the link has been used'),
    rating: csatRatingResponse.nullable(),
  })
  .meta({ id: 'CsatLink' });

const tokenOf = (req: Request) => String(req.params.token);
const isForm = (req: Request) => req.is('application/x-www-form-urlencoded') !== false;

/** Pages carry no script and are never framed, cached, or leaked through a Referer (the token is in the URL). */
function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set('content-security-policy', "default-src 'none'; form-action 'self'; frame-ancestors 'none'").type('html').send(html);
}

/** A person in a browser gets a page for a problem too, not JSON. */
const asPage =
  (handler: RequestHandler): RequestHandler =>
  async (req, res, next) => {
    try {
      await handler(req, res, next);
    } catch (err) {
      if (err instanceof z.ZodError) return sendPage(res, 400, problemPage('Please choose a rating from 1 to 5.'));
      if (err instanceof AppError) return sendPage(res, err.status, problemPage(err.message));
      throw err;
    }
  };

/**
 * The public rating link `/csat/<token>`, outside the API keys: the unguessable token is the
 * only credential and names one request. GET shows the form (HTML for browsers) or the link's
 * state (JSON); POST takes the rating as a form post (answered with a page) or JSON. A link
 * rates once: the same rating again answers as the first time, a different one is 409.
 */
export function csatRoutes(deps: { csat: CsatService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { csat } = deps;
  router.use(express.json({ limit: '16kb' }), express.urlencoded({ extended: false, limit: '16kb' }));
  router.use((_req, res, next) => {
    res.set({ 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
    next();
  });

  const linkState = async (token: string) => {
    const rating = await csat.ratingOf(await csat.requestOf(token));
    return { state: rating ? 'rated' : 'open', rating } as const;
  };

  router.get('/:token', async (req, res, next) => {
    if (req.accepts(['json', 'html']) === 'html') return next();
    const { state, rating } = await linkState(tokenOf(req));
    res.json({ state, rating: rating && ratingToApi(rating) });
  });
  router.get(
    '/:token',
    asPage(async (req, res) => {
      const { rating } = await linkState(tokenOf(req));
      sendPage(res, 200, rating ? thanksPage(rating.rating) : ratingFormPage());
    }),
  );

  router.post(
    '/:token',
    asPage(async (req, res, next) => {
      if (!isForm(req)) return next();
      const { rating, created } = await csat.rate(tokenOf(req), csatRatingBody.parse(req.body));
      sendPage(res, created ? 201 : 200, thanksPage(rating.rating));
    }),
  );
  // JSON: an Idempotency-Key is honoured per link, as on the API.
  router.post(
    '/:token',
    idempotent(
      deps.idempotencyRecords,
      async (req) => {
        const { rating, created } = await csat.rate(tokenOf(req), csatRatingBody.parse(req.body));
        return { status: created ? 201 : 200, body: ratingToApi(rating), conversationId: String(rating.conversationId) };
      },
      (res) => `csat-${tokenOf(res.req)}`,
    ),
  );
  return router;
}

export const csatOperations: Operations = {
  '/csat/{id}': {
    get: {
      operationId: 'getCsatLink',
      summary:
        'The rating link sent to a customer after a resolution (`id` is the token from the link; no API key). Browsers (Accept: text/html) get a form; JSON clients the link state',
      tags: ['csat'],
      auth: 'none',
      responses: { '200': { description: 'The link: open, or rated with its rating', schema: csatLinkResponse }, '404': 'not_found: no such link' },
    },
    post: {
      operationId: 'rateConversation',
      summary:
        'Rate the conversation 1-5 with an optional comment, as JSON or a form post (answered with a page). A link rates once: the same rating again is 200 with the stored one, a different one 409 already_rated',
      tags: ['csat'],
      auth: 'none',
      body: csatRatingBody,
      responses: {
        '201': { description: 'Recorded; csat.received is emitted', schema: csatRatingResponse },
        '200': { description: 'The same rating was recorded before', schema: csatRatingResponse },
        '404': 'not_found: no such link',
      },
      errors: ['already_rated'],
    },
  },
};
