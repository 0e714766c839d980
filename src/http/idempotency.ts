import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Store } from '../store/index.js';
import { badRequest, conflict, isDuplicateKeyError, unprocessable } from '../errors.js';
import { authOf } from './auth.js';

export interface HandlerResult {
  status: number;
  body: unknown;
  /** The conversation whose words the answer may hold: deleting it erases the stored answer. */
  conversationId?: string;
}

/**
 * Wraps a POST handler so that a repeated request with the same Idempotency-Key gets the first
 * answer instead of doing the work twice. The record is claimed before the work starts (a
 * concurrent duplicate gets 409) and released if the work fails, so the client may retry.
 */
export function idempotent(
  records: Store['idempotencyRecords'],
  handler: (req: Request, res: Response) => Promise<HandlerResult>,
  /** Whose keys these are: the caller's workspace, or the instance for admin routes. */
  scopeOf: (res: Response) => string = (res) => String(authOf(res).workspaceId),
): RequestHandler {
  return async (req, res) => {
    const key = req.get('idempotency-key');
    if (key === undefined) {
      const result = await handler(req, res);
      res.status(result.status).json(result.body);
      return;
    }
    if (key.length === 0 || key.length > 255) throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 characters');
    const id = `${scopeOf(res)}:${key}`;
    const fingerprint = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
    try {
      await records.create({ _id: id, fingerprint, state: 'in_progress' });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await records.findById(id).lean();
      if (!existing) throw conflict('idempotency_in_progress', 'A request with this Idempotency-Key is being processed');
      if (existing.fingerprint !== fingerprint) {
        throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used for a different request');
      }
      if (existing.state !== 'done') throw conflict('idempotency_in_progress', 'A request with this Idempotency-Key is being processed');
      res.set('Idempotent-Replayed', 'true').status(existing.status ?? 200).json(existing.body);
      return;
    }
    let result: HandlerResult;
    try {
      result = await handler(req, res);
    } catch (err) {
      await records.deleteOne({ _id: id });
      throw err;
    }
    const { status, body, conversationId } = result;
    await records.updateOne({ _id: id }, { $set: { state: 'done', status, body, ...(conversationId !== undefined && { conversationId }) } });
    res.status(result.status).json(result.body);
  };
}
