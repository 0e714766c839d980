/**
 * The suite's own store: a FerretDB process (the binary scripts/services.sh builds) on a free
 * loopback port, over a PostgreSQL database of its own in the project's cluster (the one
 * services.sh runs: port PG_PORT, superuser `ferretdb`, trust on loopback), prepared like the
 * shared database (scripts/ferretdb-gin-twins.sql) and dropped at the end. The shared FerretDB
 * and its database are never touched.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { pollUntil } from './poll.js';
import { isRunning, launch, terminate, type Launched } from './processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FERRETDB_BIN = join(ROOT, '.data/bin/ferretdb');
const GIN_TWINS_SQL = join(ROOT, 'scripts/ferretdb-gin-twins.sql');
/** As in scripts/services.sh. */
const PG_PORT = process.env.PG_PORT ?? '55432';
const PG_SUPERUSER = 'ferretdb';
/** Databases of this suite are named after the process that made them, so a dead run's can be told apart. */
const DATABASE_PREFIX = 'chaos_';

async function psql(database: string, args: string[]): Promise<string> {
  const { stdout } = await run('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', PG_PORT, '-U', PG_SUPERUSER, '-d', database, ...args]);
  return stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class StoreInstance {
  readonly database = `${DATABASE_PREFIX}${process.pid}`;
  private server?: Launched;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** A MongoDB URI for database `name` on this FerretDB (a schema in our PostgreSQL database). */
  uri(name: string): string {
    return `mongodb://127.0.0.1:${this.port}/${name}`;
  }

  /** Creates our PostgreSQL database, after dropping those of earlier runs that died without cleaning up. */
  async create(): Promise<void> {
    if (!existsSync(FERRETDB_BIN)) throw new Error('no FerretDB binary in .data/bin: run scripts/services.sh (or scripts/setup.sh) first');
    const names = await psql('postgres', ['-c', `SELECT datname FROM pg_database WHERE datname LIKE '${DATABASE_PREFIX}%'`]);
    for (const name of names.split('\n').filter(Boolean)) {
      const pid = Number(name.slice(DATABASE_PREFIX.length));
      if (Number.isInteger(pid) && !alive(pid)) await this.dropDatabase(name);
    }
    await psql('postgres', ['-c', `CREATE DATABASE "${this.database}"`]);
    await psql(this.database, ['-f', GIN_TWINS_SQL]);
  }

  async start(): Promise<void> {
    const state = join(this.dir, 'ferretdb-state');
    mkdirSync(state, { recursive: true });
    const server = launch(
      FERRETDB_BIN,
      [
        '--handler=postgresql',
        `--postgresql-url=postgres://${PG_SUPERUSER}@127.0.0.1:${PG_PORT}/${this.database}`,
        `--state-dir=${state}`,
        '--telemetry=disable',
        `--listen-addr=127.0.0.1:${this.port}`,
        '--log-level=warn',
        '--debug-addr=-',
      ],
      { logFile: join(this.dir, 'ferretdb.log') },
    );
    this.server = server;
    await pollUntil(`FerretDB on port ${this.port}`, () => this.ping(), {
      timeoutMs: 60_000,
      abandon: () => (isRunning(server) ? undefined : `ferretdb exited (log: ${join(this.dir, 'ferretdb.log')})`),
    });
  }

  /** Stops FerretDB as a crash would (SIGKILL): its connections to PostgreSQL end with it. */
  async kill(): Promise<void> {
    if (this.server) await terminate(this.server, 'SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.server) await terminate(this.server, 'SIGTERM');
  }

  /** Drops our PostgreSQL database (stop FerretDB first). */
  async drop(): Promise<void> {
    await this.dropDatabase(this.database);
  }

  private async dropDatabase(name: string): Promise<void> {
    await psql('postgres', ['-c', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
  }

  private async ping(): Promise<true | undefined> {
    const connection = mongoose.createConnection(this.uri('admin'), { serverSelectionTimeoutMS: 1000 });
    try {
      await connection.asPromise();
      await connection.db?.admin().ping();
      return true;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}
