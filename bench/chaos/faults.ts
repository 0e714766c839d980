/**
 * The faults, each injected once into a running load. A fault returns when what it broke is
 * back (restarted and serving again), so the load's retries and the gateway's recovery can be
 * told apart from the outage itself.
 */
import type { HelpdeskStub } from '../../test/support/helpdesk-stub.js';
import type { Deployment, Topology } from './gateway.js';
import { RedisClusterInstance } from './redis-cluster-instance.js';
import { RedisInstance } from './redis-instance.js';
import type { StoreInstance } from './store-instance.js';

export interface FaultTargets {
  deployment: Deployment;
  redis: RedisInstance | RedisClusterInstance;
  /** The deployment's QUEUE_PREFIX. */
  queuePrefix: string;
  store: StoreInstance;
  helpdesk: HelpdeskStub;
  say(line: string): void;
}

export interface Fault {
  id: string;
  /** What is done, for the report. */
  description: string;
  topology: Topology;
  /** The Redis it needs, when it runs on only one kind: one server, or a cluster (`--cluster`). */
  redis?: 'single' | 'cluster';
  inject(targets: FaultTargets): Promise<void>;
}

export interface Outages {
  storeDownMs: number;
  helpdeskDownMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `step` and says how long it took. */
async function timed(say: (line: string) => void, what: string, step: () => Promise<void>): Promise<void> {
  const began = performance.now();
  await step();
  say(`${what} in ${seconds(performance.now() - began)}`);
}

export function faultsFor({ storeDownMs, helpdeskDownMs }: Outages): Fault[] {
  return [
    {
      id: 'gateway-kill',
      description: 'kill -9 of the all-in-one gateway, started again at once',
      topology: 'all-in-one',
      async inject({ deployment, say }) {
        await deployment.api.kill();
        say('gateway killed (SIGKILL)');
        await timed(say, 'gateway serving again', () => deployment.api.start());
      },
    },
    {
      id: 'worker-kill',
      description: 'api/worker split: kill -9 of the worker, started again at once',
      topology: 'split',
      async inject({ deployment, say }) {
        await deployment.worker.kill();
        say('worker killed (SIGKILL); the API process keeps acknowledging');
        await timed(say, 'worker taking jobs again', () => deployment.worker.start());
      },
    },
    {
      id: 'redis-restart',
      description: 'Redis shut down (SIGTERM, AOF flushed) and started again on the same data and port',
      topology: 'all-in-one',
      redis: 'single',
      async inject({ redis, say }) {
        if (!(redis instanceof RedisInstance)) throw new Error('redis-restart needs a single Redis');
        await timed(say, 'redis restarted', () => redis.restart());
      },
    },
    {
      id: 'redis-failover',
      description: 'Redis Cluster: kill -9 of the master holding the inbound queue, a replica takes over, the node rejoins as a replica',
      topology: 'split',
      redis: 'cluster',
      async inject({ redis, queuePrefix, say }) {
        if (!(redis instanceof RedisClusterInstance)) throw new Error('redis-failover needs a Redis Cluster (--cluster)');
        // The queue every acknowledgement writes to (its hash tag, src/jobs/queues.ts).
        await timed(say, 'failover done', () => redis.failOver(`{${queuePrefix}:inbound}`, say));
      },
    },
    {
      id: 'store-outage',
      description: `store (FerretDB) killed with SIGKILL, started again ${seconds(storeDownMs)} later on the same port`,
      topology: 'all-in-one',
      async inject({ store, say }) {
        await store.kill();
        say(`store killed (SIGKILL); down for ${seconds(storeDownMs)}`);
        await pause(storeDownMs);
        await timed(say, 'store serving again', () => store.start());
      },
    },
    {
      id: 'helpdesk-outage',
      description: `helpdesk down (connections refused) for ${seconds(helpdeskDownMs)}, then back on the same port`,
      topology: 'all-in-one',
      async inject({ helpdesk, say }) {
        await helpdesk.stop();
        say(`helpdesk down for ${seconds(helpdeskDownMs)}`);
        await pause(helpdeskDownMs);
        await helpdesk.restart();
        say('helpdesk back');
      },
    },
  ];
}
