import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';
import { errorWith } from './api-schemas.js';
import { ERROR_CODES, errorCodes, type ErrorCode } from './error-codes.js';
import type { Operation } from './operation.js';

/** Operations called with a workspace API key (the default). */
export const isKeyed = (op: Operation) => op.auth === undefined || op.auth === 'apiKey';

/** Every POST honours Idempotency-Key (src/http/idempotency.ts) unless it says otherwise; provider webhooks never do. */
export const honoursIdempotencyKey = (op: Operation, method: string) => method === 'post' && op.auth !== 'provider' && op.idempotent !== false;

/** What any operation of its kind may answer, whatever it does. */
function kindErrors(op: Operation, method: string, path: string): ErrorCode[] {
  const keyed = isKeyed(op);
  // Provider webhooks name their channel in the path too, and answer unknown_channel for it.
  const namesResource = path.includes('{') && op.auth !== 'provider';
  const codes: ErrorCode[] = [];
  if (keyed || op.auth === 'adminToken' || op.auth === 'metricsToken') codes.push('unauthorized');
  if (keyed) codes.push('rate_limited');
  // API paths' ids are validated like bodies and queries (the public rating link's token is not).
  if (op.body || op.query || (namesResource && keyed)) codes.push('validation_failed');
  if (op.body) codes.push('invalid_json', 'invalid_body_encoding', 'payload_too_large', 'unsupported_media_type');
  if (namesResource) codes.push('not_found');
  if (honoursIdempotencyKey(op, method)) codes.push('invalid_idempotency_key', 'idempotency_in_progress', 'idempotency_key_reused');
  // An operation whose 503 has a body of its own (readiness) answers it for another reason.
  if (typeof op.responses['503'] !== 'object') codes.push('service_unavailable');
  return codes;
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/** The per-key limit's headers (src/http/api-key-rate-limit.ts) on its 429. */
const rateLimitHeaders = z.object({
  'Retry-After': z.number().int().describe('Seconds until a request will be accepted'),
  'RateLimit-Limit': z.number().int().describe('Requests allowed in a burst'),
  'RateLimit-Remaining': z.number().int().describe('Requests left in the current burst'),
});

const pascalCase = (code: string) => code.replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());

/**
 * A status answered with one code, and nothing more to say than what the code means, is one
 * response of the document (`#/components/responses/NotFound`) that operations refer to. The same
 * object each time: the generator registers it once.
 */
const sharedResponses = new Map<ErrorCode, ZodOpenApiResponseObject>();
function sharedResponse(code: ErrorCode): ZodOpenApiResponseObject {
  let response = sharedResponses.get(code);
  if (!response) {
    response = {
      id: pascalCase(code),
      description: `${code}: ${ERROR_CODES[code].means}`,
      content: json(errorWith([code])),
      ...(code === 'rate_limited' && { headers: rateLimitHeaders }),
    };
    sharedResponses.set(code, response);
  }
  return response;
}

/**
 * An operation's error answers: its codes and those of its kind grouped by status, each answer's
 * `error.code` an enum of exactly that status's codes. A description the operation gives for a
 * status replaces the list of codes.
 */
export function errorResponses(op: Operation, method: string, path: string): Record<string, ZodOpenApiResponseObject> {
  const codes = new Set([...kindErrors(op, method, path), ...(op.errors ?? [])]);
  const byStatus = new Map<string, [ErrorCode, ...ErrorCode[]]>();
  // In the catalog's order, so the document does not change with the order codes are named in.
  for (const code of errorCodes.filter((c) => codes.has(c))) {
    const status = String(ERROR_CODES[code].status);
    const list = byStatus.get(status);
    if (list) list.push(code);
    else byStatus.set(status, [code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => {
      const described = op.responses[status];
      if (typeof described === 'object') throw new Error(`${method.toUpperCase()} ${path} ${status}: a body schema and error codes for one status`);
      if (described === undefined && list.length === 1) return [status, sharedResponse(list[0])];
      return [status, { description: described ?? list.join(', '), content: json(errorWith(list)), ...(list.includes('rate_limited') && { headers: rateLimitHeaders }) }];
    }),
  );
}
