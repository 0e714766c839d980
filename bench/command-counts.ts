/**
 * The counts bench/command-counter.ts keeps in a gateway process, and what the benchmark scripts
 * do with them: read a snapshot, take the difference over a measured phase, divide by the
 * operations of that phase. Importing this module changes nothing in the importing process.
 */

/** Counters by name: a command, a command and collection, a round trip's content. */
export type Tally = Record<string, number>;

export type CommandCounts = {
  store: {
    /** Every command the driver sent except connection upkeep (`excluded`). */
    commands: number;
    /** Of those, the ones that write (insert, update, delete, findAndModify, index and collection changes). */
    writes: number;
    byCommand: Tally;
    /** `<command> <collection>`, e.g. `findAndModify conversations`. */
    byCollection: Tally;
    /** hello, ping, endSessions and the like: not work of any operation. */
    excluded: Tally;
  };
  redis: {
    /** Request/response exchanges: a single command, or a whole pipeline or MULTI/EXEC batch. */
    roundTrips: number;
    /** Commands in those round trips (a pipeline of three counts three). */
    commands: number;
    /** By command name; Lua scripts by the name they were defined under (`evalsha:addStandardJob`). */
    byCommand: Tally;
    /** By what one round trip carried, with the shape of its first key (`incr webhook-delivery-seq`, `multi[hincrby agent-load, expire agent-load]`). */
    byRoundTrip: Tally;
    /** Commands that wait for work (BZPOPMIN, XREAD BLOCK, ...): idle workers issue them all the time. */
    blocking: { roundTrips: number; byCommand: Tally };
    /** Connection set-up and upkeep (HELLO, CLIENT, INFO, SELECT, SUBSCRIBE, QUIT, ...). */
    setup: { roundTrips: number; byCommand: Tally };
  };
};

export function emptyCounts(): CommandCounts {
  return {
    store: { commands: 0, writes: 0, byCommand: {}, byCollection: {}, excluded: {} },
    redis: { roundTrips: 0, commands: 0, byCommand: {}, byRoundTrip: {}, blocking: { roundTrips: 0, byCommand: {} }, setup: { roundTrips: 0, byCommand: {} } },
  };
}

export function bump(tally: Tally, key: string, by = 1): void {
  tally[key] = (tally[key] ?? 0) + by;
}

type Tree = { [key: string]: number | Tree };

/** `a + sign * b` leaf by leaf; a key missing on one side counts as 0 there. */
function combine(a: Tree, b: Tree, sign: 1 | -1): Tree {
  const out: Tree = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    if (typeof x === 'object' || typeof y === 'object') {
      out[key] = combine(typeof x === 'object' ? x : {}, typeof y === 'object' ? y : {}, sign);
    } else {
      out[key] = (x ?? 0) + sign * (y ?? 0);
    }
  }
  return out;
}

/** What happened between two snapshots of the same process. */
export function countsBetween(before: CommandCounts, after: CommandCounts): CommandCounts {
  return combine(after, before, -1) as CommandCounts;
}

export function addCounts(a: CommandCounts, b: CommandCounts): CommandCounts {
  return combine(a, b, 1) as CommandCounts;
}

/** The snapshot a preloaded counter answers with on its loopback port (COMMAND_COUNTER_PORT). */
export async function readCommandCounts(port: number): Promise<CommandCounts> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  if (!res.ok) throw new Error(`command counter on port ${port}: ${res.status}`);
  return (await res.json()) as CommandCounts;
}

const round2 = (n: number) => Number(n.toFixed(2));
/** Two decimals, but a rare command (once in thousands of operations) keeps two significant digits instead of showing as 0. */
const perShare = (n: number) => (Math.abs(n) >= 0.01 ? round2(n) : Number(n.toPrecision(2)));

/** Largest first, each divided by `operations`; names with nothing are left out. */
function perEach(tally: Tally, operations: number): Tally {
  return Object.fromEntries(
    Object.entries(tally)
      .filter(([, n]) => n !== 0)
      .sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb))
      .map(([key, n]) => [key, perShare(n / operations)]),
  );
}

const nonZero = (tally: Tally) => Object.fromEntries(Object.entries(tally).filter(([, n]) => n !== 0));

/**
 * The counts of a measured phase per operation (`unit`: a message, a request, a routing call, or
 * a second of an idle phase). Blocking and set-up round trips and the store's excluded commands
 * are given as totals over the phase: they follow time and connections, not operations.
 */
export function perOperation(counts: CommandCounts, operations: number, unit: string) {
  const { store, redis } = counts;
  const n = Math.max(1, operations);
  return {
    dividedBy: `${operations} ${unit}`,
    storeCommands: round2(store.commands / n),
    storeWrites: round2(store.writes / n),
    redisRoundTrips: round2(redis.roundTrips / n),
    redisCommands: round2(redis.commands / n),
    byCommand: { store: perEach(store.byCommand, n), redis: perEach(redis.byCommand, n) },
    storeByCollection: perEach(store.byCollection, n),
    redisByRoundTrip: perEach(redis.byRoundTrip, n),
    phaseTotalsNotPerOperation: {
      storeExcluded: nonZero(store.excluded),
      redisBlocking: { roundTrips: redis.blocking.roundTrips, byCommand: nonZero(redis.blocking.byCommand) },
      redisSetup: { roundTrips: redis.setup.roundTrips, byCommand: nonZero(redis.setup.byCommand) },
    },
  };
}
