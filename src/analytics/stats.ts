/** The summary statistics analytics reports; pure, over plain numbers. */

/** The arithmetic mean; null for no values (an empty range has no average, not a zero one). */
export function average(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * The p-th percentile by nearest rank: the smallest value with at least p% of the values at or
 * below it (rank ceil(p/100 × n) of the sorted values). Always one of the values, never an
 * interpolation between two; null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (p <= 0 || p > 100) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] ?? null;
}
