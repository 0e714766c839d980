/**
 * FerretDB on SQLite answers a write that found the database locked with SQLITE_BUSY ("database
 * is locked"): nothing was written, and the same call a moment later usually succeeds.
 */
export function isTransientStoreError(err: unknown): boolean {
  return err instanceof Error && /SQLITE_BUSY|database is locked/.test(err.message);
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
