/**
 * What Redis Cluster places a key by: the text inside its first `{…}` when that is not empty,
 * otherwise the whole key (the cluster specification's "hash tags"). Keys with the same hash tag
 * are in the same slot, the only way several keys can be used in one script or transaction.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** Throws unless every key has the hash tag of the first: `what` names the script or command in the error. */
export function assertOneSlot(what: string, keys: readonly string[]): void {
  const tag = hashTagOf(keys[0] ?? '');
  const stray = keys.find((key) => hashTagOf(key) !== tag);
  if (stray !== undefined) throw new Error(`${what}: key ${stray} would not share a Redis Cluster slot with ${keys[0]}; give them one {hash tag}`);
}
