/**
 * The one error type of the gateway. `code` is stable and documented; the HTTP layer turns an
 * AppError into `{"error": {"code", "message", "details"}}` with its status.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** The underlying failure, logged but never sent to the client. */
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
export const unauthorized = (message = 'A valid API key is required') => new AppError(401, 'unauthorized', message);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: unknown) =>
  new AppError(422, code, message, details);

/**
 * MongoDB's duplicate key error, the signal that a unique index did its job. FerretDB on
 * PostgreSQL reports the same violation from an update or findAndModify as PostgreSQL's
 * unique_violation (SQLSTATE 23505) in the message, not as 11000.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message, errmsg } = err as { code?: unknown; message?: unknown; errmsg?: unknown };
  return code === 11000 || [message, errmsg].some((text) => typeof text === 'string' && text.includes('SQLSTATE 23505'));
}

/** An unordered bulk insert whose only failures were duplicate keys: every other document is in. */
export function isOnlyDuplicateKeys(err: unknown): boolean {
  const writeErrors = (err as { writeErrors?: unknown } | null)?.writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return writeErrors.every(isDuplicateKeyError);
  return isDuplicateKeyError(err);
}

/**
 * Runs a write that a unique index may refuse, and names the clash: the index decides (whatever
 * any check before the write saw), `refusal` tells the caller which record already exists.
 */
export async function unlessTaken<T>(write: () => Promise<T>, refusal: () => AppError): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isDuplicateKeyError(err)) throw refusal();
    throw err;
  }
}
