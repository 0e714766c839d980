import { Router } from 'express';
import type { RedisClient } from '../../redis/connections.js';
import type { Store } from '../../store/index.js';

/** A load balancer asks often and must hear "not ready" quickly, never wait on a dead connection. */
const READINESS_TIMEOUT_MS = 800;

/** Whether `ping` succeeds within `ms`. */
async function answersWithin(ms: number, ping: Promise<unknown> | undefined): Promise<boolean> {
  if (!ping) return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([ping.then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz` (the process answers) and `/readyz` (its store and Redis answer too). */
export function healthRoutes(deps: { store: Store; redis: RedisClient }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [mongo, redis] = await Promise.all([
      answersWithin(READINESS_TIMEOUT_MS, deps.store.connection.db?.admin().ping()),
      answersWithin(READINESS_TIMEOUT_MS, deps.redis.ping()),
    ]);
    res.status(mongo && redis ? 200 : 503).json({ status: mongo && redis ? 'ready' : 'not_ready', mongo, redis });
  });
  return router;
}
