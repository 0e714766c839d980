/**
 * Gateway processes run from source (src/main.ts under tsx, on this Node) the way a deployment
 * runs them: one all-in-one process, an API process and a worker process
 * (`OMNIGATE_ROLE=api|worker`) on the same store and Redis, or two of each (`scaled`, behind a
 * load balancer: the load spreads its posts over the APIs). Each writes its log to its own file.
 */
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QUEUE_NAMES, queuePrefix } from '../../src/jobs/queues.js';
import { openRedis } from '../../src/redis/connections.js';
import { freePort, waitFor } from '../support.js';
import { pollUntil } from './poll.js';
import { isRunning, launch, terminate, type Launched } from './processes.js';

export type Topology = 'all-in-one' | 'split' | 'scaled';
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
      await pollUntil(`${this.name} taking jobs`, async () => ((await this.inboundWorkers()) > 0 ? true : undefined), { timeoutMs: START_TIMEOUT_MS, everyMs: 500, abandon });
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

  /** How many workers of the inbound queue are connected under this gateway's prefix (one per worker process). */
  async inboundWorkers(): Promise<number> {
    const redis = openRedis(this.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a failed check is "not yet"
    const inbound = new Queue(QUEUE_NAMES.inbound, { connection: redis, prefix: queuePrefix(redis, this.env.QUEUE_PREFIX!, QUEUE_NAMES.inbound) });
    try {
      return await inbound.getWorkersCount();
    } finally {
      await inbound.close();
      redis.disconnect();
    }
  }
}

/** The gateway processes of one fault: `apis` serve HTTP, `workers` run the jobs (one process for both when all-in-one). */
export interface Deployment {
  /** The first API process (the one that provisions). */
  api: GatewayProcess;
  /** The first worker process. */
  worker: GatewayProcess;
  apis: GatewayProcess[];
  workers: GatewayProcess[];
  stop(): Promise<void>;
}

/** How many processes of each role a topology runs. */
const PROCESSES: Record<Exclude<Topology, 'all-in-one'>, number> = { split: 1, scaled: 2 };

export async function startDeployment(topology: Topology, env: Record<string, string>, logDir: string): Promise<Deployment> {
  if (topology === 'all-in-one') {
    const gateway = new GatewayProcess('gateway', 'all', env, logDir);
    await gateway.start();
    return { api: gateway, worker: gateway, apis: [gateway], workers: [gateway], stop: () => gateway.stop() };
  }
  const n = PROCESSES[topology];
  const name = (role: string, i: number) => (n === 1 ? role : `${role}-${i + 1}`);
  // The first API listens on env.PORT (PUBLIC_BASE_URL names it); every other process, a worker's
  // health checks and metrics included, on a port of its own.
  const apis = await Promise.all(
    Array.from({ length: n }, async (_, i) => new GatewayProcess(name('api', i), 'api', i === 0 ? env : { ...env, PORT: String(await freePort()) }, logDir)),
  );
  const workers = await Promise.all(Array.from({ length: n }, async (_, i) => new GatewayProcess(name('worker', i), 'worker', { ...env, PORT: String(await freePort()) }, logDir)));
  const all = [...apis, ...workers];
  await Promise.all(all.map((p) => p.start()));
  // Each worker returned once any was taking jobs: wait for all of them.
  await pollUntil('every worker taking jobs', async () => ((await workers[0]!.inboundWorkers()) >= n ? true : undefined), { timeoutMs: START_TIMEOUT_MS, everyMs: 500 });
  return {
    api: apis[0]!,
    worker: workers[0]!,
    apis,
    workers,
    async stop() {
      await Promise.all(all.map((p) => p.stop()));
    },
  };
}
