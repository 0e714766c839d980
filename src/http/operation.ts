import type { z } from 'zod';
import type { ErrorCode } from './error-codes.js';

/**
 * One entry of the OpenAPI document. Route modules export their entries next to their handlers
 * (`export const xOperations: Operations`) and src/http/openapi.ts merges them, so the spec is
 * written where the route is.
 */
export type ResponseSpec = string | { description: string; schema: z.ZodType };

export interface Operation {
  /** Stable and camelCase: generated clients name their functions after it. */
  operationId: string;
  summary: string;
  tags: string[];
  body?: z.ZodType;
  query?: z.ZodObject;
  /**
   * Status code → description, with the body's schema for successful JSON answers. A string
   * under an error status replaces the description generated from its codes.
   */
  responses: Record<string, ResponseSpec>;
  /**
   * The codes this operation refuses with beyond those every operation of its kind answers
   * (src/http/error-responses.ts: credentials, validation, the resource in the path, idempotency);
   * src/http/error-codes.ts gives each its status.
   */
  errors?: readonly ErrorCode[];
  auth?: 'apiKey' | 'adminToken' | 'metricsToken' | 'provider' | 'visitorToken' | 'none';
  /** A POST that does not honour Idempotency-Key (it changes nothing a repeat could double). */
  idempotent?: false;
}

export type Operations = Record<string, Record<string, Operation>>;
