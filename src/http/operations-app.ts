import express, { type Express } from 'express';
import type { RedisClient } from '../redis/connections.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, type MetricsSource } from './routes/metrics.js';

/**
 * What a worker-only process (OMNIGATE_ROLE=worker) serves on its port: its health, for the
 * container's HEALTHCHECK, and its metrics, since the jobs it runs are counted in it alone.
 */
export function createOperationsApp(deps: { store: Store; redis: RedisClient; metrics: MetricsSource; logger: Logger; config: Pick<Config, 'METRICS_TOKEN'> }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(deps), metricsRoutes({ metrics: deps.metrics, metricsToken: deps.config.METRICS_TOKEN }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
