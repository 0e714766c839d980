/**
 * Counts, in the process it is loaded into, every MongoDB command the driver sends and every
 * Redis round trip ioredis makes, so a benchmark can say how many of each one operation costs.
 *
 * Preloaded into a gateway process (`node --import tsx --import bench/command-counter.ts
 * src/main.ts`, see startProcess in bench/support.ts) with COMMAND_COUNTER_PORT set, it answers
 * any request on 127.0.0.1:<port> with the counts so far as JSON (CommandCounts); the benchmark
 * reads them before and after its measured phase. A benchmark that does the work in its own
 * process (bench:routing) calls installCommandCounter() and commandCounts() instead.
 *
 * Hooks, both at the library level so that code creating its own clients is counted too:
 * - MongoDB: MongoClient.prototype.connect (mongoose creates its MongoClient itself) switches on
 *   the driver's command monitoring and counts `commandStarted` events.
 * - Redis: Redis.prototype.sendCommand, which every command goes through, single or pipelined.
 *   A command counts once the client has written it (it joined the client's commandQueue):
 *   commands issued before the connection is ready go to the offline queue and pass through
 *   sendCommand a second time when it is replayed. Commands of a pipeline or MULTI/EXEC batch
 *   are handed a write-stream object of their batch, which sends them in one socket write; a
 *   batch is one round trip. Pipeline.prototype.exec would see batches too, but not whether or
 *   when they were written, and not the commands an offline queue replays.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Redis, type Command } from 'ioredis';
import { mongo } from 'mongoose';
import { bump, emptyCounts, type CommandCounts } from './command-counts.js';

const counts = emptyCounts();

/** A copy of the counts so far. */
export function commandCounts(): CommandCounts {
  return structuredClone(counts);
}

// --- MongoDB ---------------------------------------------------------------------------------

/** Connection upkeep, not work of an operation: handshakes, heartbeats, session and auth chatter. */
const STORE_UPKEEP = new Set(['hello', 'ismaster', 'ping', 'endsessions', 'saslstart', 'saslcontinue', 'authenticate', 'buildinfo', 'getlasterror']);
const STORE_WRITES = new Set([
  'insert',
  'update',
  'delete',
  'findandmodify',
  'bulkwrite',
  'create',
  'createindexes',
  'drop',
  'dropdatabase',
  'dropindexes',
  'collmod',
  'renamecollection',
  'committransaction',
]);

/** The collection a command addresses (`getMore` names it apart), or `(db)` for database commands. */
function collectionOf(event: mongo.CommandStartedEvent): string {
  const target: unknown = event.commandName === 'getMore' ? event.command.collection : event.command[event.commandName];
  return typeof target === 'string' ? target : '(db)';
}

function storeCommandStarted(event: mongo.CommandStartedEvent): void {
  const name = event.commandName;
  const { store } = counts;
  if (STORE_UPKEEP.has(name.toLowerCase())) {
    bump(store.excluded, name);
    return;
  }
  store.commands++;
  if (STORE_WRITES.has(name.toLowerCase())) store.writes++;
  bump(store.byCommand, name);
  bump(store.byCollection, `${name} ${collectionOf(event)}`);
}

function countStoreCommands(): void {
  const watched = new WeakSet<mongo.MongoClient>();
  const connect = mongo.MongoClient.prototype.connect;
  // Set before the first connect: the connection pool takes monitorCommands from the client's options then.
  mongo.MongoClient.prototype.connect = function (this: mongo.MongoClient) {
    if (!watched.has(this)) {
      watched.add(this);
      this.options.monitorCommands = true;
      this.on('commandStarted', storeCommandStarted);
    }
    return connect.call(this);
  } as typeof connect;
}

// --- Redis -----------------------------------------------------------------------------------

/** Commands that wait for something to happen: idle BullMQ workers issue them in a loop. */
const BLOCKING = new Set(['blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof']);
/** Connection set-up and upkeep. */
const SETUP = new Set([
  'hello',
  'auth',
  'select',
  'client',
  'info',
  'ping',
  'quit',
  'readonly',
  'config',
  'command',
  'script',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);
/** The framing of a transaction: not commands of their own in the counts. */
const FRAMING = new Set(['multi', 'exec']);

/** Lua scripts by sha1, named as they were defined (BullMQ defines `<script>:<version>`). */
const scriptNames = new Map<string, string>();
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const text = (arg: unknown) => (Buffer.isBuffer(arg) ? arg.toString() : String(arg));

function nameScripts(): void {
  const define = Redis.prototype.defineCommand;
  Redis.prototype.defineCommand = function (this: Redis, name: string, definition: Parameters<typeof define>[1]) {
    scriptNames.set(sha1(definition.lua), name.replace(/:\d+\.\d+\.\d+.*$/, ''));
    return define.call(this, name, definition);
  };
}

/** The command's name; a script's with the name it was defined under. Read after the write: ioredis turns an `evalsha` into `eval` on a connection that has not loaded the script. */
function nameOf(command: Command): string {
  const name = command.name.toLowerCase();
  if (name !== 'evalsha' && name !== 'eval') return name;
  const first = command.args[0];
  const script = first === undefined ? undefined : scriptNames.get(name === 'eval' ? sha1(text(first)) : text(first));
  return script ? `${name}:${script}` : name;
}

/** A segment that names one thing (an id, a hash tag, a job id), not a kind of key. */
const ID_LIKE = /[{}]|\d.*\d|^.{25,}$/;

/** The first key without the run's prefix, ids as `*`: `bench-e2e-1a2b3c:realtime:{65f..}:seen:x` → `realtime:*:seen:*`. */
function keyShapeOf(command: Command, name: string): string | undefined {
  const scripted = name.startsWith('eval');
  const key = scripted ? (Number(command.args[1]) > 0 ? command.args[2] : undefined) : command.args[0];
  if (key === undefined || FRAMING.has(name)) return undefined;
  const segments = text(key).split(':');
  return (segments.length > 1 ? segments.slice(1) : segments).map((s) => (ID_LIKE.test(s) ? '*' : s)).join(':');
}

function kindOf(command: Command, name: string): 'blocking' | 'setup' | 'operation' {
  if (BLOCKING.has(name)) return 'blocking';
  if ((name === 'xread' || name === 'xreadgroup') && command.args.some((a) => text(a).toUpperCase() === 'BLOCK')) return 'blocking';
  if (SETUP.has(name)) return 'setup';
  return 'operation';
}

/** `a, a, b` → `a ×2, b`: a batch of many equal commands stays readable. */
function collapse(labels: string[]): string {
  const seen = new Map<string, number>();
  for (const label of labels) seen.set(label, (seen.get(label) ?? 0) + 1);
  return [...seen].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label)).join(', ');
}

interface Batch {
  transaction: boolean;
  names: string[];
  labels: string[];
}

/** Batches by the write-stream object ioredis gives the commands of one pipeline. */
const batches = new WeakMap<object, Batch>();

/** A batch's commands are written one after another in the same tick: counted once all are in. */
function batchCommand(stream: object, name: string, label: string): void {
  let batch = batches.get(stream);
  if (!batch) {
    const opened: Batch = { transaction: 'containsMulti' in stream && stream.containsMulti === true, names: [], labels: [] };
    batches.set(stream, opened);
    queueMicrotask(() => countBatch(opened));
    batch = opened;
  }
  if (FRAMING.has(name)) return;
  batch.names.push(name);
  batch.labels.push(label);
}

function countBatch(batch: Batch): void {
  const { redis } = counts;
  redis.roundTrips++;
  redis.commands += batch.names.length;
  for (const name of batch.names) bump(redis.byCommand, name);
  bump(redis.byRoundTrip, `${batch.transaction ? 'multi' : 'pipeline'}[${collapse(batch.labels)}]`);
}

function countWritten(command: Command, stream: unknown): void {
  const name = nameOf(command);
  const shape = keyShapeOf(command, name);
  const label = shape ? `${name} ${shape}` : name;
  if (typeof stream === 'object' && stream !== null && 'isPipeline' in stream) {
    batchCommand(stream, name, label);
    return;
  }
  const { redis } = counts;
  const kind = kindOf(command, name);
  if (kind !== 'operation') {
    redis[kind].roundTrips++;
    bump(redis[kind].byCommand, name);
    return;
  }
  redis.roundTrips++;
  redis.commands++;
  bump(redis.byCommand, name);
  bump(redis.byRoundTrip, label);
}

function countRedisRoundTrips(): void {
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, command: Command, stream?: Parameters<typeof send>[1]) {
    const queued = this.commandQueue.length;
    const result = send.call(this, command, stream);
    // Written now, not parked in the offline queue (from where it comes through here again).
    if (this.commandQueue.length > queued) countWritten(command, stream);
    return result;
  };
}

// --- Set-up ----------------------------------------------------------------------------------

let installed = false;

/** Patches the drivers of this process; clients connected before this are not counted. */
export function installCommandCounter(): void {
  if (installed) return;
  installed = true;
  countStoreCommands();
  nameScripts();
  countRedisRoundTrips();
}

/** Answers every request on the loopback port with the counts so far. Does not keep the process alive. */
export function serveCommandCounts(port: number): void {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(commandCounts()));
  });
  server.on('error', (err) => process.stderr.write(`command counter: ${err.message}\n`));
  server.listen(port, '127.0.0.1').unref();
}

const port = process.env.COMMAND_COUNTER_PORT;
if (port) {
  installCommandCounter();
  serveCommandCounts(Number(port));
}
