import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { unauthorized } from '../../errors.js';
import type { Operations } from '../operation.js';

/** What `/metrics` serves: the process's Prometheus exposition (src/metrics). */
export interface MetricsSource {
  readonly contentType: string;
  exposition(): Promise<string>;
}

export const metricsOperations: Operations = {
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      summary: "This process's Prometheus metrics (text exposition); needs `Authorization: Bearer <METRICS_TOKEN>` when that is set",
      tags: ['health'],
      auth: 'metricsToken',
      responses: { '200': 'Prometheus text format 0.0.4' },
    },
  },
};

/** Compares digests, so neither the token's content nor its length shows in the time taken. */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** `/metrics`, open unless a token is configured (it holds counts, never content, ids or secrets). */
export function metricsRoutes(deps: { metrics: MetricsSource; metricsToken?: string }): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const given = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7).trim() : '';
    if (deps.metricsToken !== undefined && !sameToken(given, deps.metricsToken)) throw unauthorized('The metrics token (METRICS_TOKEN) is required');
    res.set('content-type', deps.metrics.contentType).send(await deps.metrics.exposition());
  });
  return router;
}
