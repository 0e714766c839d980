/**
 * The suite's own Redis Cluster (`--cluster`): six Debian redis-server nodes on free loopback
 * ports, three masters with a replica each, joined by `redis-cli --cluster create`, run as
 * production should run them (noeviction, AOF; docs/deployment.md). A failover is a master
 * killed with SIGKILL: its replica takes over its slots once the others agree it is gone
 * (cluster-node-timeout, 2 s here), and the killed node, started again on its data, rejoins as
 * a replica of the new master.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support.js';
import { pollUntil } from './poll.js';
import { isRunning, launch, terminate, type Launched } from './processes.js';

const run = promisify(execFile);
const NODES = 6;

interface Node {
  port: number;
  /** The cluster bus port (Redis 7's `cluster-port`), free like the client port. */
  busPort: number;
  dir: string;
  server?: Launched;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
}

export class RedisClusterInstance {
  private readonly nodes: Node[] = [];

  private constructor(private readonly dir: string) {}

  static async create(dir: string): Promise<RedisClusterInstance> {
    const cluster = new RedisClusterInstance(dir);
    for (let i = 0; i < NODES; i++) {
      const port = await freePort();
      cluster.nodes.push({ port, busPort: await freePort(), dir: join(dir, `redis-cluster-${port}`) });
    }
    return cluster;
  }

  /** Three seed nodes (the client learns the others). */
  get url(): string {
    return `redis+cluster://${this.nodes
      .slice(0, 3)
      .map((n) => `127.0.0.1:${n.port}`)
      .join(',')}`;
  }

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.startNode(node)));
    await cli(this.nodes[0]!.port, '--cluster', 'create', ...this.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes');
    await this.healthy();
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => (node.server ? terminate(node.server, 'SIGTERM') : undefined)));
  }

  /**
   * kill -9 of the master serving `key`, until a replica serves its slot; then the killed node is
   * started again. Returns what happened, for the report.
   */
  async failOver(key: string, say: (line: string) => void): Promise<void> {
    const slot = Number((await cli(this.nodes[0]!.port, 'cluster', 'keyslot', key)).trim());
    const owner = await this.masterOf(slot);
    const node = this.nodes.find((n) => n.port === owner)!;
    await terminate(node.server!, 'SIGKILL');
    const killedAt = performance.now();
    say(`master on port ${owner} (slot ${slot}, ${key}) killed (SIGKILL)`);
    const successor = await pollUntil(
      'a replica taking over',
      async () => {
        const port = await this.masterOf(slot, owner);
        return port !== owner ? port : undefined;
      },
      { timeoutMs: 60_000, everyMs: 100 },
    );
    say(`replica on port ${successor} serves slot ${slot} after ${((performance.now() - killedAt) / 1000).toFixed(1)} s`);
    await this.healthy(owner);
    await this.startNode(node);
    await this.healthy();
    say(`port ${owner} back as a replica; cluster state ok`);
  }

  private async startNode(node: Node): Promise<void> {
    mkdirSync(node.dir, { recursive: true });
    const args = [
      ...['--bind', '127.0.0.1', '--port', String(node.port), '--dir', node.dir],
      ...['--cluster-enabled', 'yes', '--cluster-port', String(node.busPort), '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
      ...['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', ''],
    ];
    const server = launch('redis-server', args, { logFile: join(node.dir, 'redis.log') });
    node.server = server;
    await pollUntil(`redis cluster node on port ${node.port}`, async () => ((await cli(node.port, 'ping')).trim() === 'PONG' ? true : undefined), {
      timeoutMs: 60_000,
      abandon: () => (isRunning(server) ? undefined : `redis-server exited (log: ${join(node.dir, 'redis.log')})`),
    });
  }

  /** The port of the master serving `slot`, as a node other than `besides` sees it. */
  private async masterOf(slot: number, besides?: number): Promise<number> {
    const asker = this.nodes.find((n) => n.port !== besides && n.server && isRunning(n.server))!;
    const lines = (await cli(asker.port, 'cluster', 'nodes')).trim().split('\n');
    for (const line of lines) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      const serves = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from! && slot <= to!;
      });
      if (serves) return Number(address!.split(':')[1]!.split('@')[0]);
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /** Until every slot is served (cluster_state:ok), as a node other than `besides` sees it. */
  private async healthy(besides?: number): Promise<void> {
    const asker = this.nodes.find((n) => n.port !== besides)!;
    await pollUntil('cluster state ok', async () => ((await cli(asker.port, 'cluster', 'info')).includes('cluster_state:ok') ? true : undefined), {
      timeoutMs: 60_000,
      everyMs: 200,
    });
  }
}
