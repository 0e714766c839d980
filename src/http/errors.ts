import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isConnectionError } from '../redis/connections.js';

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'route_not_found', message: `No route for ${req.method} ${req.path}` } });
};

/** Every error leaves as `{"error": {"code", "message", "details"}}`; internals are logged, not sent. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = toResponse(err);
    if (status >= 500) (req.log ?? logger).error({ err: err instanceof AppError && err.cause ? err.cause : err }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}

function toResponse(err: unknown): { status: number; body: { error: Record<string, unknown> } } {
  if (err instanceof AppError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...(err.details !== undefined && { details: err.details }) } } };
  }
  if (err instanceof z.ZodError) {
    return {
      status: 400,
      body: { error: { code: 'validation_failed', message: 'The request is not valid', details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } },
    };
  }
  const bodyParserType = (err as { type?: string }).type;
  if (bodyParserType === 'entity.too.large') {
    return { status: 413, body: { error: { code: 'payload_too_large', message: 'The request body is too large' } } };
  }
  if (bodyParserType === 'entity.parse.failed') {
    return { status: 400, body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON' } } };
  }
  // A body that does not decode as its Content-Encoding says: zlib's own error reaches us as it is.
  if (/^Z_[A-Z_]+$/.test(String((err as { code?: unknown }).code))) {
    return { status: 400, body: { error: { code: 'invalid_body_encoding', message: 'The request body does not decode as its Content-Encoding says' } } };
  }
  if (bodyParserType !== undefined && (err as { status?: number }).status === 415) {
    return { status: 415, body: { error: { code: 'unsupported_media_type', message: 'Unsupported content encoding or type' } } };
  }
  if (isUnreachable(err)) {
    return { status: 503, body: { error: { code: 'service_unavailable', message: 'The store or the queue is unreachable; retry later' } } };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Something went wrong on our side' } } };
}

/** Redis or MongoDB out of reach: a passing state the caller should retry through, not our bug. */
function isUnreachable(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return isConnectionError(err) || (typeof name === 'string' && /^Mongo(NetworkError|NetworkTimeoutError|ServerSelectionError|NotConnectedError|TopologyClosedError)$/.test(name));
}
