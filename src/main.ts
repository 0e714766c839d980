import type { Server } from 'node:http';
import { ConfigError, loadConfig } from '../config/load.js';
import { closeContext, createContext, realtimeDepsOf } from './app/context.js';
import { createHttpApp } from './http/app.js';
import { createOperationsApp } from './http/operations-app.js';
import { recoverPendingWork } from './app/recovery.js';
import { startWorkers } from './app/workers.js';
import { createLogger } from './logger.js';
import { attachRealtime, type RealtimeServer } from './realtime/server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const ctx = await createContext(config, { logger });

  let server: Server | undefined;
  let realtime: RealtimeServer | undefined;
  if (config.OMNIGATE_ROLE !== 'worker') {
    const app = createHttpApp(ctx);
    server = app.listen(config.PORT, config.HOST, () => {
      logger.info({ port: config.PORT, publicBaseUrl: config.PUBLIC_BASE_URL }, 'HTTP API listening');
    });
    realtime = attachRealtime(realtimeDepsOf(ctx), server);
  } else {
    server = createOperationsApp(ctx).listen(config.PORT, config.HOST, () => {
      logger.info({ port: config.PORT }, 'health and metrics listening');
    });
  }
  const workers = config.OMNIGATE_ROLE !== 'api' ? startWorkers(ctx) : undefined;
  if (workers) {
    await recoverPendingWork(ctx);
    await ctx.pull.startAll();
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining HTTP and workers');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // WebSocket clients are told the server is going away (1001) and reconnect to another one.
    await realtime?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await ctx.pull.stopAll();
    await workers?.stop();
    await closeContext(ctx);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`omnigate failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
