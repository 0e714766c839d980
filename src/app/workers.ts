import { Worker, type Job } from 'bullmq';
import type { AppContext } from './context.js';
import { dispatchEvents, type DeliverJobData, type DispatchJobData } from '../webhooks/dispatcher.js';
import { reactToEvents } from './reactions.js';
import type { InboundJobData } from '../ingest/inbound-job.js';
import type { SendJobData } from '../outbound/send-service.js';
import { QUEUE_NAMES, queuePrefix } from '../jobs/queues.js';
import { runTimer, type TimersJobData } from './timers.js';
import type { AiReplyJobData } from '../ai-agent/ai-agent-service.js';
import { connectForWorkers, isConnectionError } from '../redis/connections.js';

/** The process's workers and the connection they share. */
export interface RunningWorkers {
  workers: Worker[];
  /** Lets running jobs finish (up to the shutdown timeout), then closes. */
  stop(): Promise<void>;
}

/** Starts one BullMQ worker per queue; each processor is a thin call into its service. */
export function startWorkers(ctx: AppContext): RunningWorkers {
  const { config, logger, queues } = ctx;
  // Workers wait through a Redis outage and carry on; the services they call fail fast and the job is retried.
  const connection = connectForWorkers(config.REDIS_URL);
  const make = <T>(name: string, concurrency: number, fn: (job: Job<T>, token?: string) => Promise<void>) => {
    const worker = new Worker<T>(name, fn, { connection, prefix: queuePrefix(connection, config.QUEUE_PREFIX, name), concurrency });
    worker.on('failed', (job, err) => logger.error({ queue: name, jobId: job?.id, attempts: job?.attemptsMade, err }, 'job failed'));
    // A lost connection is one line from the process's own connection (src/redis/connections.ts), not one per worker and attempt.
    worker.on('error', (err) => {
      if (!isConnectionError(err)) logger.error({ queue: name, err }, 'worker error');
    });
    return worker;
  };

  const inbound = make<InboundJobData>(QUEUE_NAMES.inbound, config.INGEST_CONCURRENCY, async (job) => {
    try {
      await ctx.inbound.process(job.data);
      // The job was added as the request was recorded: its age is the request's wait.
      ctx.metrics.inboundJobFinished(Date.now() - job.timestamp);
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await ctx.inbound.markFailed(job.data.rawEventId, String(err));
      throw err;
    }
  });
  const send = make<SendJobData>(QUEUE_NAMES.send, config.SEND_CONCURRENCY, (job, token) => ctx.sendWorker.process(job, token));
  const media = make<{ messageId: string }>(QUEUE_NAMES.media, 4, async (job) => {
    try {
      await ctx.mediaFetcher.fetch(job.data.messageId);
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await ctx.mediaFetcher.markFailed(job.data.messageId, String(err));
      throw err;
    }
  });
  // `eventId`: a job queued before events of one change shared a job.
  const events = make<DispatchJobData | { eventId: string }>(QUEUE_NAMES.events, 8, async (job) => {
    const data = 'eventIds' in job.data ? job.data : { eventIds: [job.data.eventId] };
    const dispatched = await dispatchEvents({ store: ctx.store, clock: ctx.clock, queues, redis: ctx.redis, keyPrefix: config.QUEUE_PREFIX, subscriptions: ctx.subscriptions }, data);
    await reactToEvents(ctx, dispatched);
  });
  const webhooks = make<DeliverJobData>(QUEUE_NAMES.webhooks, 16, (job, token) => ctx.webhookDeliverer.deliver(job, token));
  const timers = make<TimersJobData>(QUEUE_NAMES.timers, 8, (job) => runTimer(ctx, job.data));
  // The AI agent's answers (and a bot's answer deadline): retried with backoff; when the last attempt fails, people take over.
  const aiAgent = make<AiReplyJobData>(QUEUE_NAMES.aiAgent, config.AI_AGENT_CONCURRENCY, async (job) => {
    try {
      await ctx.aiAgent.answer(job.data);
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await ctx.aiAgent.backendFailed(job.data, err);
      throw err;
    }
  });
  const workers = [inbound, send, media, events, webhooks, timers, aiAgent];
  return {
    workers,
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
