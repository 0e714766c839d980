/**
 * Gateway processes run from source (src/main.ts under tsx, on this Node) the way a deployment
 * runs them: one all-in-one process, or an API process and a worker process
 * (`OMNIGATE_ROLE=api|worker`) on the same store and Redis. Each writes its log to its own file.
 */
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../../src/jobs/queues.js';
import { freePort, waitFor } from '../support.js';
import { pollUntil } from './poll.js';
import { isRunning, launch, terminate, type Launched } from './processes.js';

export type Topology = 'all-in-one' | 'split';
type Role = 'all' | 'api' | 'worker';

/** Started processes may need a while on a busy machine: tsx compiles the sources first. */
const START_TIMEOUT_MS = 180_000;

export class GatewayProcess {
  private process?: Launched;
  private starts = 0;

  constructor(
    readonly name: string,
    private readonly role: Role,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** Starts the process and waits until it serves (API) or takes jobs (worker). */
  async start(): Promise<void> {
    const logFile = join(this.logDir, `${this.name}-${++this.starts}.log`);
    const started = launch(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      logFile,
      env: { ...process.env, ...this.env, OMNIGATE_ROLE: this.role },
    });
    this.process = started;
    const abandon = () => (isRunning(started) ? undefined : `${this.name} exited (log: ${logFile})`);
    if (this.role === 'worker') {
      await pollUntil(`${this.name} taking jobs`, () => this.takingJobs(), { timeoutMs: START_TIMEOUT_MS, everyMs: 500, abandon });
    } else {
      await waitFor(`${this.base}/readyz`, { timeoutMs: START_TIMEOUT_MS, process: started.child });
    }
  }

  /** A crash: SIGKILL, nothing drained. */
  async kill(): Promise<void> {
    if (this.process) await terminate(this.process, 'SIGKILL');
  }

  /** A graceful stop (SIGTERM: HTTP and jobs drained). */
  async stop(): Promise<void> {
    if (this.process) await terminate(this.process, 'SIGTERM');
  }

  /** True once a worker of the inbound queue is connected under this gateway's prefix. */
  private async takingJobs(): Promise<true | undefined> {
    const redis = new Redis(this.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a failed check is "not yet"
    const inbound = new Queue(QUEUE_NAMES.inbound, { connection: redis, prefix: this.env.QUEUE_PREFIX });
    try {
      return (await inbound.getWorkersCount()) > 0 ? true : undefined;
    } finally {
      await inbound.close();
      redis.disconnect();
    }
  }
}

/** The gateway processes of one fault: `api` serves HTTP, `worker` runs the jobs (one process when all-in-one). */
export interface Deployment {
  api: GatewayProcess;
  worker: GatewayProcess;
  stop(): Promise<void>;
}

export async function startDeployment(topology: Topology, env: Record<string, string>, logDir: string): Promise<Deployment> {
  if (topology === 'all-in-one') {
    const gateway = new GatewayProcess('gateway', 'all', env, logDir);
    await gateway.start();
    return { api: gateway, worker: gateway, stop: () => gateway.stop() };
  }
  const api = new GatewayProcess('api', 'api', env, logDir);
  // A worker process serves its own health checks and metrics: on a port of its own.
  const worker = new GatewayProcess('worker', 'worker', { ...env, PORT: String(await freePort()) }, logDir);
  await Promise.all([api.start(), worker.start()]);
  return {
    api,
    worker,
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
    },
  };
}
