/**
 * A write that PostgreSQL (under FerretDB) aborted for a conflict with a concurrent one: a
 * deadlock (SQLSTATE 40P01) or a serialization failure (40001). Nothing was written, and the
 * same call a moment later usually succeeds.
 */
export function isTransientStoreError(err: unknown): boolean {
  return err instanceof Error && /SQLSTATE 40P01|SQLSTATE 40001/.test(err.message);
}

const ATTEMPTS = 3;

/**
 * Runs `fn` again after a transient store error, a few times with a short growing pause. Only for
 * steps that are safe to repeat: an assignment is, since its claims decide whatever ran before.
 */
export async function retryTransient<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isTransientStoreError(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt + Math.random() * 25));
    }
  }
}
