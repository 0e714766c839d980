/**
 * Waits for a state, never for a time: `check` is asked again until it returns a value (an error
 * counts as "not yet"). The deadline only guards against a hang; `abandon` names a reason to stop
 * at once (the process that should get there has died).
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; everyMs?: number; abandon?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    const reason = opts.abandon?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${opts.timeoutMs / 1000} s${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 200));
  }
}
