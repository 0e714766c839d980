/**
 * Reading the requests the gateway sends without trusting their shape: what a field holds, or
 * undefined. The sandbox renders whatever arrives rather than refusing it (the provider's own
 * checks are the connectors' tests' business).
 */

export function at(value: unknown, ...keys: Array<string | number>): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export function text(value: unknown, ...keys: Array<string | number>): string | undefined {
  const found = at(value, ...keys);
  return typeof found === 'string' ? found : typeof found === 'number' ? String(found) : undefined;
}

export function list(value: unknown, ...keys: Array<string | number>): unknown[] {
  const found = at(value, ...keys);
  return Array.isArray(found) ? found : [];
}
